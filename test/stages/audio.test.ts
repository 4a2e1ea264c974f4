import assert from 'node:assert/strict';
import { VideoAgentError } from '../../src/errors';
import { AudioStage } from '../../src/stages/audio/audio-stage';
import type { TranscribePort } from '../../src/runpod/inference';
import { MemoryPublisher, MemorySink, audioChunks, fakeProsody, wavSeconds } from './fakes';
import { audioStage } from '../../src/stages/audio';

describe('stages/audio', () => {
  it('flags silent windows without sending them and transcribes the rest with absolute times', async () => {
    const sink = new MemorySink();
    const publisher = new MemoryPublisher();
    const sent: number[] = [];
    const loud = (t: number) => t >= 5 && t < 10; // second window speaks, first and third are silent
    const transcribe: TranscribePort = {
      async transcribe(wav) {
        sent.push(wavSeconds(wav));
        // The window sent for core 5–10 s starts at 4 s: a word at 2.0–2.5 s of it is 6.0–6.5 s absolute.
        return { model: 'fake-asr', language: null, segments: [], words: [{ word: 'hello', startS: 2.0, endS: 2.5, probability: 0.8 }, { word: 'there', startS: 2.6, endS: 3.0, probability: 0.6 }] };
      },
    };
    const stage = new AudioStage({ streamId: 's', transcribe, prosody: fakeProsody, rows: sink, publish: publisher.publish });
    for (const c of audioChunks('s', 15, loud)) await stage.push(c);
    await stage.flush();
    assert.deepEqual(sent, [7], 'only the loud window is sent (core 5 s + 2 × 1 s overlap)');
    const silent = sink.audio.filter((r) => r.isSilence);
    assert.deepEqual(silent.map((r) => [r.startUs, r.endUs]), [[0, 5e6], [10e6, 15e6]]);
    const speech = sink.audio.filter((r) => !r.isSilence);
    assert.equal(speech.length, 1);
    assert.equal(speech[0].text, 'hello there');
    assert.equal(speech[0].startUs, 6e6);
    assert.equal(speech[0].endUs, 7e6);
    assert.ok(Math.abs((speech[0].confidence ?? 0) - 0.7) < 1e-9);
    assert.ok(speech[0].prosody && (speech[0].prosody.rmsDb as number) > -20, 'prosody computed on the segment audio');
    assert.equal(speech[0].ts, 1_700_000_000_000 + 6000);
    assert.deepEqual(sink.memory.map((m) => [m.text, m.startUs, m.endUs]), [['hello there', 6e6, 7e6]]);
    // One message per row: the two silent windows and the speech segment.
    const pub = publisher.of('transcripts');
    assert.deepEqual(pub.map((m) => [m.startUs, m.isSilence, m.text]), [[0, true, ''], [6e6, false, 'hello there'], [10e6, true, '']]);
    assert.deepEqual(pub[1].words.map((w) => [w.word, w.startUs]), [['hello', 6e6], ['there', 6.6e6]]);
  });

  it('records a failed window as a skip with the reason and continues with the next', async () => {
    const sink = new MemorySink();
    let n = 0;
    const transcribe: TranscribePort = {
      async transcribe() {
        if (n++ === 0) throw new VideoAgentError('E_RUNPOD_SPEND_CAP', 'spend cap of $1.00 reached', { kind: 'spend_cap' });
        return { model: 'fake', language: null, segments: [{ startS: 1.5, endS: 2.5, text: ' second window ' }], words: [] };
      },
    };
    const publisher = new MemoryPublisher();
    const stage = new AudioStage({ streamId: 's', transcribe, prosody: fakeProsody, rows: sink, publish: publisher.publish });
    for (const c of audioChunks('s', 10, () => true)) await stage.push(c);
    await stage.flush();
    assert.deepEqual(sink.skips.map((s) => [s.stage, s.reason, s.ptsUs, s.endUs]), [['audio', 'spend_cap', 0, 5e6]]);
    assert.deepEqual(sink.audio.map((a) => [a.text, a.startUs]), [['second window', 5.5e6]]);
    assert.equal(sink.calls.filter((c) => !c.ok).length, 1);
    assert.deepEqual(publisher.of('transcripts').map((m) => [m.startUs, m.skipped]), [[0, 'spend_cap'], [5.5e6, null]]);
  });

  it('hand-over: a stage restored from the state saved after a batch continues the same windows; a redelivered batch adds nothing', async () => {
    // One word per sent window, named after the window's start: the rows tell which windows were transcribed.
    const transcribe: TranscribePort = {
      async transcribe(wav) {
        const secs = wavSeconds(wav);
        return { model: 'fake', language: null, segments: [], words: [{ word: `w${secs.toFixed(1)}`, startS: secs / 2 - 0.1, endS: secs / 2 + 0.1 }] };
      },
    };
    const chunks = audioChunks('h', 23, () => true);
    const run = async (parts: typeof chunks[], sink: MemorySink) => {
      let state: string | null = null;
      for (const [i, part] of parts.entries()) {
        const decoded = state === null ? null : audioStage.state!.decode(state);
        if (state !== null) assert.ok(decoded, 'the saved state decodes');
        const stage = new AudioStage({ streamId: 'h', transcribe, prosody: fakeProsody, rows: sink, publish: new MemoryPublisher().publish, state: decoded });
        await stage.pushBatchAndWait(part);
        if (i === parts.length - 1) await stage.flush();
        state = audioStage.state!.encode(stage.state());
      }
    };
    const whole = new MemorySink();
    await run([chunks], whole);
    const split = new MemorySink();
    const cut = 97; // mid-window (9.7 s)
    // The second holder is redelivered the first holder's last 10 chunks (their acknowledgement was lost).
    await run([chunks.slice(0, cut), chunks.slice(cut - 10)], split);
    const key = (rows: MemorySink['audio']) => rows.map((r) => `${r.startUs}-${r.endUs}:${r.text}`).sort();
    assert.deepEqual(key(split.audio), key(whole.audio));
    assert.equal(split.audio.length, whole.audio.length);
    assert.ok(whole.audio.length >= 4, `${whole.audio.length} rows`);
  });
});
