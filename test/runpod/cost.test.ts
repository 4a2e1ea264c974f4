import assert from 'node:assert/strict';
import { CostMeter } from '../../src/runpod/cost';
import { GPU_TIMING, itemsOf, itemsOfOutput, timingFor } from '../../src/runpod/gpu-timing';
import { pcmToWavBase64 } from '../../src/audio/wav';
import { formatSummary } from '../../src/analyze/summary';
import type { AnalyzeSummary } from '../../src/analyze/run-analysis';
import type { ModelName } from '../../src/runpod/contracts';
import { rig, stubEndpoints, TINY_B64, type Rig } from './helpers';

const PRICE: Record<ModelName, number> = { yolo: 0.00019, whisper: 0.00019, vlm: 0.00076, emotion: 0.00016, diarization: 0.00019 };
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

function vlmInput(images: number, maxTokens = 512) {
  const parts = [
    ...Array.from({ length: images }, () => ({ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${TINY_B64}` } })),
    { type: 'text', text: 'describe' },
  ];
  return { openai_route: '/v1/chat/completions', openai_input: { model: 'm', messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: parts }], max_tokens: maxTokens } };
}

describe('runpod/cost: modelled GPU seconds for local CPU models', () => {
  it('a detection batch books the timing table\'s base + per-image time on the GPU, plus overhead, at the GPU price', () => {
    const m = new CostMeter({ pricePerSecond: PRICE, overheadSecondsPerCall: 0.5 });
    const input = { images: Array.from({ length: 8 }, () => TINY_B64), conf: 0.25 };
    // executionTime 4200 ms: CPU time of a CPU model, which must not be booked.
    const rec = m.record('yolo', 'yolo', 'j1', 4200, 's1', { gpu: 'L4', input });
    const t = GPU_TIMING.yolo.L4!;
    const gpuS = (t.baseMs + 8 * t.perItemMs) / 1000 + 0.5;
    close(rec.gpuSeconds, gpuS, 'gpu seconds');
    close(rec.usd, gpuS * PRICE.yolo, 'usd');
    assert.deepEqual(rec.modelled && { gpu: rec.modelled.gpu, items: rec.modelled.items }, { gpu: 'L4', items: 8 });
    const snap = m.snapshot();
    assert.equal(snap.basis, 'modelled');
    assert.deepEqual(snap.modelledGpu, { yolo: 'L4' });
    close(snap.total.executionSeconds, 4.2, 'execution seconds kept for information');
    close(snap.byStream.s1.gpuSeconds, gpuS, 'per stream');
    assert.match(snap.note, /^Estimate: local CPU models/);
    assert.match(snap.note, /not a measurement/);
  });

  it('counts audio seconds from the WAV header, VLM images and output tokens, faces from the input', () => {
    const wav = pcmToWavBase64(new Int16Array(16000 * 5), { sampleRate: 16000 });
    assert.ok(Math.abs(itemsOf('whisper', { audio_base64: wav }).items - 5) < 1e-9);
    assert.ok(Math.abs(itemsOf('diarization', { audio_base64: wav }).items - 5) < 1e-9);
    assert.deepEqual(itemsOf('emotion', { faces: ['a', 'b', 'c'] }), { items: 3, outputTokens: 0 });
    // Output tokens: the reply's usage when present, else max_tokens (an upper bound).
    assert.deepEqual(itemsOf('vlm', vlmInput(4), [{ usage: { completion_tokens: 41 } }]), { items: 4, outputTokens: 41 });
    assert.deepEqual(itemsOf('vlm', vlmInput(2, 300)), { items: 2, outputTokens: 300 });

    const m = new CostMeter({ pricePerSecond: PRICE, overheadSecondsPerCall: 0 });
    const w = GPU_TIMING.whisper.L4!;
    close(m.record('whisper', 'whisper', 'j', 9000, undefined, { gpu: 'L4', input: { audio_base64: wav } }).gpuSeconds, (w.baseMs + 5 * w.perItemMs) / 1000, 'whisper 5 s');
    const v = GPU_TIMING.vlm.A100!;
    close(m.record('vlm', 'vlm', 'k', 100, undefined, { gpu: 'A100', input: vlmInput(4), output: [{ usage: { completion_tokens: 41 } }] }).gpuSeconds, (v.baseMs + 4 * v.perItemMs + 41 * v.perOutputTokenMs!) / 1000, 'vlm');
  });

  it('without the input, counts what the output makes exact (one result per image) and lower bounds the rest', () => {
    assert.deepEqual(itemsOfOutput('yolo', { results: [{}, {}, {}] }), { items: 3, outputTokens: 0 });
    assert.deepEqual(itemsOfOutput('whisper', { segments: [{ end: 1.5 }, { end: 4.25 }] }), { items: 4.25, outputTokens: 0 });
    assert.deepEqual(itemsOfOutput('vlm', [{ usage: { completion_tokens: 12 } }]), { items: 0, outputTokens: 12 });
    const m = new CostMeter({ pricePerSecond: PRICE, overheadSecondsPerCall: 0 });
    const e = GPU_TIMING.emotion.A4000!;
    close(m.record('emotion', 'emotion', 'j', 300, undefined, { gpu: 'A4000', output: { results: [{}, {}] } }).gpuSeconds, (e.baseMs + 2 * e.perItemMs) / 1000, 'emotion');
  });

  it('a GPU without its own timing row uses the model\'s reference row and says which', () => {
    assert.deepEqual(timingFor('yolo', 'H200'), { gpu: 'L4', timing: GPU_TIMING.yolo.L4, exact: false });
    const m = new CostMeter({ pricePerSecond: PRICE, overheadSecondsPerCall: 0 });
    assert.equal(m.record('yolo', 'yolo', 'j', 10, undefined, { gpu: 'H200', input: { images: ['x'] } }).modelled?.gpu, 'L4');
    assert.deepEqual(m.snapshot().modelledGpu, { yolo: 'L4' });
  });

  it('real endpoints still book executionTime + overhead (unchanged)', () => {
    const m = new CostMeter({ pricePerSecond: PRICE, overheadSecondsPerCall: 2 });
    const rec = m.record('yolo', 'ep1', 'j1', 1500, 's1');
    close(rec.gpuSeconds, 3.5, 'gpu seconds');
    close(rec.usd, 3.5 * PRICE.yolo, 'usd');
    assert.equal(rec.modelled, undefined);
    const snap = m.snapshot();
    assert.equal(snap.basis, 'billed');
    assert.equal(snap.total.modelledCalls, 0);
    assert.match(snap.note, /^Estimate from RunPod executionTime × GPU price per second, plus 2 s per call/);
    // A modelled call after a billed one makes the basis mixed, and the note says both.
    m.record('yolo', 'yolo', 'j2', 1500, 's1', { gpu: 'L4', input: { images: ['x'] } });
    assert.equal(m.snapshot().basis, 'mixed');
    assert.match(m.snapshot().note, /billed calls: .* Modelled calls: /);
  });
});

describe('runpod/cost through the client', () => {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('no RUNPOD_API_KEY (the local emulator): modelled on the model\'s configured GPU', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { stub: { baseMs: 30 } }) }, { overheadSecondsPerCall: 0 });
    await r.client.call('yolo', { images: [TINY_B64, `${TINY_B64}x`, `${TINY_B64}y`] });
    const snap = r.client.cost.snapshot();
    const t = GPU_TIMING.yolo[r.client.config.models.yolo.gpu]!;
    assert.equal(snap.basis, 'modelled');
    close(snap.total.gpuSeconds, (t.baseMs + 3 * t.perItemMs) / 1000, 'gpu seconds');
    // The stub waits 30 ms; executionTime is a difference of two Date.now() readings (1 ms each way).
    assert.ok(snap.total.executionSeconds >= 0.028, `execution ${snap.total.executionSeconds}`);
  });

  it('with RUNPOD_API_KEY: billed executionTime + overhead', async () => {
    const key = 'rp_TEST_KEY_0123456789';
    r = await rig({ apiKey: key, endpoints: stubEndpoints(['yolo'], { stub: { baseMs: 30 } }) }, { overheadSecondsPerCall: 1 }, { RUNPOD_API_KEY: key });
    await r.client.call('yolo', { images: [TINY_B64] });
    const snap = r.client.cost.snapshot();
    assert.equal(snap.basis, 'billed');
    close(snap.total.gpuSeconds, snap.total.executionSeconds + 1, 'gpu seconds');
    assert.ok(snap.total.executionSeconds >= 0.028, `execution ${snap.total.executionSeconds}`);
  });
});

describe('analyze summary: the cost lines say what the GPU seconds are', () => {
  function summary(meter: CostMeter, local: boolean): string {
    const s = {
      streamId: 's', source: 'clip.mp4', live: false, wallMs: 1000,
      ingest: { positionUs: 1e6, frames: 5, audioSeconds: 1, dropped: 0 },
      stages: {}, rows: {}, topEvents: [], skips: [], speakers: [], emotions: [], highlights: [], clipFailures: [],
      calls: [{ endpoint: 'yolo', calls: 1, failed: 0, avgMs: 500, gpuSeconds: meter.snapshot().total.gpuSeconds, costUsd: meter.snapshot().total.usd }],
      cost: meter.snapshot(), localInference: local,
    } as unknown as AnalyzeSummary;
    return formatSummary(s);
  }

  it('labels modelled seconds an estimate for the assumed GPUs', () => {
    const m = new CostMeter({ pricePerSecond: PRICE, overheadSecondsPerCall: 0 });
    m.record('yolo', 'yolo', 'j', 900, 's', { gpu: 'L4', input: { images: ['a', 'b'] } });
    m.record('whisper', 'whisper', 'k', 900, 's', { gpu: 'L4', input: { audio_base64: pcmToWavBase64(new Int16Array(16000), { sampleRate: 16000 }) } });
    m.record('vlm', 'vlm', 'l', 900, 's', { gpu: 'A100', input: vlmInput(1) });
    const text = summary(m, true);
    assert.match(text, /^GPU seconds \(modelled: local CPU models, estimate for an L4 \(yolo, whisper\), an A100 \(vlm\)\) \d+\.\d\d · estimated cost \$/m);
    assert.match(text, /yolo: 1 calls, .* modelled GPU s \(estimate\)/);
    assert.match(text, /^note: Estimate: local CPU models/m);
  });

  it('labels RunPod seconds billed', () => {
    const m = new CostMeter({ pricePerSecond: PRICE, overheadSecondsPerCall: 0 });
    m.record('yolo', 'ep', 'j', 900, 's');
    const text = summary(m, false);
    assert.match(text, /^GPU seconds \(billed: RunPod executionTime \+ overhead\) 0\.90 /m);
    assert.doesNotMatch(text, /modelled/);
  });
});
