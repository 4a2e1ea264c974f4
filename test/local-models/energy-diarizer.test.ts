import assert from 'node:assert/strict';
import { createLocalModel, type DiarizationOutput } from '../../src/local-models';
import { encodeWav } from '../../src/audio/wav';
import { assertSchema, noAbort } from './helpers/media';

/** 16 kHz: 1 s tone, 1 s silence, 1.5 s tone, 0.5 s silence (plus faint noise so the floor is realistic). */
function toneSilenceTone(): Buffer {
  const rate = 16000;
  const s = new Int16Array(rate * 4);
  for (let i = 0; i < s.length; i++) {
    const t = i / rate;
    const loud = t < 1 || (t >= 2 && t < 3.5);
    s[i] = Math.round((loud ? 8000 * Math.sin(2 * Math.PI * 220 * t) : 0) + (((i * 7919) % 200) - 100));
  }
  return encodeWav(s, { sampleRate: rate });
}

describe('local-models/energy-diarizer (classical, no model)', () => {
  const worker = createLocalModel('diarization');

  it('finds the voiced regions by energy and alternates speakers when asked for two', async () => {
    const input = { audio_base64: toneSilenceTone().toString('base64'), num_speakers: 2 };
    assertSchema('diarization.input', input);
    const out = (await worker.handle(input, noAbort())) as DiarizationOutput;
    assertSchema('diarization.output', out);
    assert.equal(out.model, 'stub-diarization (no model)');
    assert.equal(out.segments.length, 2, JSON.stringify(out.segments));
    assert.deepEqual(out.segments.map((g) => g.speaker), ['SPEAKER_00', 'SPEAKER_01']);
    assert.ok(Math.abs(out.segments[0]!.start - 0) < 0.05 && Math.abs(out.segments[0]!.end - 1) < 0.05);
    assert.ok(Math.abs(out.segments[1]!.start - 2) < 0.05 && Math.abs(out.segments[1]!.end - 3.5) < 0.05);
  });

  it('labels everything as one speaker by default, and rejects non-audio', async () => {
    const out = (await worker.handle({ audio_base64: toneSilenceTone().toString('base64') }, noAbort())) as DiarizationOutput;
    assert.ok(out.segments.every((g) => g.speaker === 'SPEAKER_00'));
    await assert.rejects(worker.handle({ audio_base64: Buffer.from('hello there').toString('base64') }, noAbort()), /not a decodable audio file/);
  });
});
