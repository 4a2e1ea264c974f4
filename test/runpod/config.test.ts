import assert from 'node:assert/strict';
import { VideoAgentError } from '../../src/errors';
import { loadRunpodConfig } from '../../src/runpod/config';
import { CostMeter } from '../../src/runpod/cost';
import { backoffDelayMs } from '../../src/runpod/resilience';
import { RunpodRateLimitError } from '../../src/runpod/errors';
import { bodyBytes, splitForLimit } from '../../src/runpod/payload';

describe('runpod config, cost and backoff', () => {
  it('without a key every model points at the emulator id of its name', () => {
    const c = loadRunpodConfig({});
    assert.equal(c.apiKey, undefined);
    assert.equal(c.apiBase, 'https://api.runpod.ai/v2');
    assert.deepEqual(c.models.yolo.endpointIds, ['yolo']);
    assert.equal(c.models.vlm.pricePerSecond, 0.00076);
  });

  it('reads comma-separated ids, GPU prices and overrides; a key without ids leaves a model unconfigured', () => {
    const c = loadRunpodConfig({ RUNPOD_API_KEY: 'k', RUNPOD_YOLO_ENDPOINT_ID: 'abc, def', RUNPOD_YOLO_GPU: 'h100', RUNPOD_WHISPER_PRICE_PER_SEC: '0.001', RUNPOD_SPEND_CAP_USD: '5' });
    assert.deepEqual(c.models.yolo.endpointIds, ['abc', 'def']);
    assert.equal(c.models.yolo.pricePerSecond, 0.00116);
    assert.equal(c.models.whisper.pricePerSecond, 0.001);
    assert.deepEqual(c.models.vlm.endpointIds, []);
    assert.equal(c.spendCapUsd, 5);
  });

  it('rejects bad values with a clear error that does not echo the key', () => {
    assert.throws(() => loadRunpodConfig({ RUNPOD_YOLO_GPU: 'TPU' }), (e: unknown) => e instanceof VideoAgentError && /RUNPOD_YOLO_GPU/.test(e.message));
    assert.throws(() => loadRunpodConfig({ RUNPOD_RETRIES: '-1' }), /RUNPOD_RETRIES/);
    assert.throws(() => loadRunpodConfig({ RUNPOD_API_KEY: 'secret-k', RUNPOD_API_BASE: 'ftp://x' }), (e: unknown) => !(e as Error).message.includes('secret-k'));
  });

  it('cost = (executionTime + overhead) × price, per stream and model', () => {
    const m = new CostMeter({ pricePerSecond: { yolo: 0.001, whisper: 0.002, vlm: 0, emotion: 0, diarization: 0 }, overheadSecondsPerCall: 0.5 });
    m.record('yolo', 'e', 'j1', 1500, 's1');
    m.record('whisper', 'e', 'j2', 500, 's2');
    const s = m.snapshot();
    assert.equal(s.total.calls, 2);
    assert.ok(Math.abs(s.byStream.s1.usd - 0.002) < 1e-12);
    assert.ok(Math.abs(s.byModel.whisper!.gpuSeconds - 1) < 1e-12);
  });

  it('backoff grows exponentially with jitter and yields to Retry-After', () => {
    const cfg = { maxRetries: 5, initialDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelayMs(1, cfg, undefined, () => 0), 50);
    assert.equal(backoffDelayMs(3, cfg, undefined, () => 1), 400);
    assert.equal(backoffDelayMs(10, cfg, undefined, () => 1), 1000);
    assert.equal(backoffDelayMs(1, cfg, new RunpodRateLimitError(429, 'x', 'e', undefined, 2000), () => 0), 2000);
  });

  it('a single item over the limit is rejected, not split', () => {
    assert.throws(() => splitForLimit('yolo', { images: ['A'.repeat(2000)] }, 1000), /alone exceeds/);
    const parts = splitForLimit('yolo', { images: ['A'.repeat(400), 'B'.repeat(400), 'C'.repeat(400)] }, 1000);
    assert.deepEqual(parts.map((p) => (p.images as string[]).map((s) => s[0]).join('')), ['AB', 'C']);
    for (const p of parts) assert.ok(bodyBytes(p) <= 1000);
  });
});
