import assert from 'node:assert/strict';
import { AudioStage } from '../../src/stages/audio';
import type { TranscribePort } from '../../src/stages/ports';
import { MemoryPublisher, MemorySink, audioChunks, fakeProsody } from './fakes';

describe('stages/audio', () => {
  it('flags silent windows without sending them and transcribes the rest with absolute times', async () => {
    const sink = new MemorySink();
    const publisher = new MemoryPublisher();
    const sent: number[] = [];
    const loud = (t: number) => t >= 5 && t < 10; // second window speaks, first and third are silent
    const transcribe: TranscribePort = {
      async transcribe(_s, pcm, sr) {
        sent.push(pcm.length / sr);
        // The window sent for core 5–10 s starts at 4 s: a word at 2.0–2.5 s of it is 6.0–6.5 s absolute.
        return { model: 'fake-asr', segments: [], words: [{ word: 'hello', startS: 2.0, endS: 2.5, probability: 0.8 }, { word: 'there', startS: 2.6, endS: 3.0, probability: 0.6 }] };
      },
    };
    const stage = new AudioStage({ streamId: 's', transcribe, prosody: fakeProsody, sink, publisher });
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
    assert.ok(speech[0].prosody && speech[0].prosody.rmsDb > -20, 'prosody computed on the segment audio');
    assert.equal(speech[0].ts, 1_700_000_000_000 + 6000);
    assert.deepEqual(sink.memory.map((m) => [m.text, m.startUs, m.endUs]), [['hello there', 6e6, 7e6]]);
    const pub = publisher.of('transcripts');
    assert.equal(pub.length, 1);
    assert.equal(pub[0].start_us, 6e6);
  });

  it('records a failed window as a skip with the reason and continues with the next', async () => {
    const sink = new MemorySink();
    let n = 0;
    const transcribe: TranscribePort = {
      async transcribe() {
        if (n++ === 0) throw Object.assign(new Error('spend cap of $1.00 reached'), { code: 'E_SPEND_CAP' });
        return { model: 'fake', segments: [{ startS: 1.5, endS: 2.5, text: ' second window ' }], words: [] };
      },
    };
    const stage = new AudioStage({ streamId: 's', transcribe, prosody: fakeProsody, sink, publisher: new MemoryPublisher() });
    for (const c of audioChunks('s', 10, () => true)) await stage.push(c);
    await stage.flush();
    assert.deepEqual(sink.skips.map((s) => [s.stage, s.reason, s.ptsUs, s.endUs]), [['audio', 'spend_cap', 0, 5e6]]);
    assert.deepEqual(sink.audio.map((a) => [a.text, a.startUs]), [['second window', 5.5e6]]);
    assert.equal(sink.calls.filter((c) => !c.ok).length, 1);
  });
});
