import assert from 'node:assert/strict';
import { VideoAgentError } from '../../src/errors';
import { DetectionStage } from '../../src/stages/detection/detection-stage';
import { AdaptiveStride } from '../../src/stages/detection/adaptive-stride';
import type { DetectPort, DetectedBox } from '../../src/runpod/inference';
import { MemoryPublisher, MemorySink, OrderCheckingTracker, frame, sleep } from './fakes';

const person = (x: number, conf = 0.9): DetectedBox => ({ bbox: [x, 10, x + 40, 100], confidence: conf, classId: 0, className: 'person' });

/** Answers each image with one person whose x is derived from the batch, with a per-call delay. */
function fakeDetect(delays: number[] = [], fail?: (call: number) => Error | null) {
  const calls: number[] = [];
  const port: DetectPort = {
    async detect(jpegs) {
      const n = calls.length;
      calls.push(jpegs.length);
      await sleep(delays[n] ?? 1);
      const e = fail?.(n);
      if (e) throw e;
      return { model: 'fake', perImage: jpegs.map(() => [person(100)]) };
    },
  };
  return { port, calls };
}

function stage(detect: DetectPort, extra: Partial<ConstructorParameters<typeof DetectionStage>[0]> = {}) {
  const sink = new MemorySink();
  const publisher = new MemoryPublisher();
  const tracker = new OrderCheckingTracker();
  const s = new DetectionStage({ streamId: 's1', detect, tracker, rows: sink, publish: publisher.publish, batchSize: 4, maxBatchAgeMs: 30, ...extra });
  return { s, sink, publisher, tracker };
}

describe('stages/detection', () => {
  it('batches by size, writes detections with track ids, publishes one outcome per frame', async () => {
    const { port, calls } = fakeDetect();
    const { s, sink, publisher } = stage(port, { maxBatchAgeMs: 60_000 });
    for (let i = 0; i < 8; i++) await s.push(frame('s1', i * 100_000));
    await s.flush();
    assert.deepEqual(calls, [4, 4]);
    assert.equal(sink.detections.length, 8);
    assert.ok(sink.detections.every((d) => d.trackId === 1 && d.className === 'person'));
    assert.deepEqual(sink.detections.map((d) => d.ptsUs), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => i * 100_000));
    assert.equal(publisher.of('detections').length, 8);
    assert.equal(sink.calls.filter((c) => c.ok && c.endpoint === 'yolo').length, 2);
  });

  it('sends a partial batch once its oldest frame reaches the age limit', async () => {
    const { port, calls } = fakeDetect();
    const { s, sink } = stage(port, { batchSize: 8, maxBatchAgeMs: 300 });
    const t0 = Date.now();
    await s.push(frame('s1', 0));
    await s.push(frame('s1', 100_000));
    while (calls.length === 0 && Date.now() - t0 < 5000) await sleep(5);
    assert.ok(Date.now() - t0 >= 290, `sent after ${Date.now() - t0} ms, before the age limit`);
    assert.deepEqual(calls, [2]);
    await s.flush();
    assert.equal(sink.detections.length, 2);
  });

  it('applies tracking in frame order even when a later batch returns first', async () => {
    const { port } = fakeDetect([60, 1]);
    const { s, tracker } = stage(port, { batchSize: 2, maxInFlight: 2, maxBatchAgeMs: 60_000 });
    for (let i = 0; i < 4; i++) await s.push(frame('s1', i * 100_000));
    await s.flush();
    assert.deepEqual(tracker.seen, [0, 100_000, 200_000, 300_000]);
  });

  it('records every frame of a failed batch as a skip with its reason and keeps going', async () => {
    // The reason comes from the error's kind, decided where it was created, not from its text.
    const breaker = new VideoAgentError('E_RUNPOD_UNAVAILABLE', 'every endpoint is failing', { kind: 'breaker_open' });
    const { port } = fakeDetect([], (n) => (n === 0 ? new Error('HTTP 500 from yolo') : n === 1 ? breaker : null));
    const { s, sink, publisher } = stage(port, { batchSize: 2, maxInFlight: 1, maxBatchAgeMs: 60_000 });
    for (let i = 0; i < 6; i++) await s.push(frame('s1', i * 100_000));
    await s.flush();
    assert.deepEqual(sink.skips.map((k) => [k.ptsUs, k.reason]), [[0, 'endpoint_error'], [100_000, 'endpoint_error'], [200_000, 'breaker_open'], [300_000, 'breaker_open']]);
    assert.deepEqual(sink.detections.map((d) => d.ptsUs), [400_000, 500_000]);
    // Every frame has exactly one outcome message: skipped with its reason, or its detections.
    assert.deepEqual(publisher.of('detections').map((m) => [m.ptsUs, m.skipped]).sort((a, b) => (a[0] as number) - (b[0] as number)),
      [[0, 'endpoint_error'], [100_000, 'endpoint_error'], [200_000, 'breaker_open'], [300_000, 'breaker_open'], [400_000, null], [500_000, null]]);
    const st = s.getStats();
    assert.equal(st.framesSkipped, 4);
    assert.equal(st.framesDetected, 2);
  });

  it('live sources: a stalled endpoint never blocks push; the oldest frames are dropped and counted; the queue stays bounded', async () => {
    let release: () => void = () => {};
    const stalled = new Promise<void>((r) => { release = r; });
    const port: DetectPort = { async detect(jpegs) { await stalled; return { model: 'fake', perImage: jpegs.map(() => []) }; } };
    const { s, sink } = stage(port, { batchSize: 2, maxInFlight: 1, queueCapacity: 5, overflow: 'drop-oldest', maxBatchAgeMs: 60_000, adaptiveFps: false });
    // Every push resolves while the endpoint is still stalled: ingestion never waits on inference.
    for (let i = 0; i < 50; i++) await s.push(frame('s1', i * 100_000));
    const st = s.getStats();
    assert.ok(st.queueHighWater <= 5, `queue reached ${st.queueHighWater}`);
    assert.equal(st.framesDropped, 50 - 2 - 5);
    assert.equal(sink.skips.filter((k) => k.reason === 'queue_full').length, 43);
    // The survivors are the newest frames.
    release();
    await s.flush();
    // The two in flight were sent; of the rest the oldest went first and the newest five survive.
    assert.equal(sink.skips[0].ptsUs, 200_000);
    assert.ok(sink.skips.every((k) => k.ptsUs < 45 * 100_000), 'the survivors are the newest frames');
  });

  it('live sources: a slow endpoint makes detection analyse every k-th frame; each passed-over frame is a recorded skip, evenly spread', async () => {
    // 40 ms per call of up to 2 frames, frames arriving every 5 ms: detection sustains about 1 in 4.
    const { port } = fakeDetect(Array(200).fill(40));
    const { s, sink, publisher } = stage(port, { batchSize: 2, maxInFlight: 1, queueCapacity: 16, overflow: 'drop-oldest', maxBatchAgeMs: 10 });
    for (let i = 0; i < 200; i++) {
      await s.push(frame('s1', i * 100_000));
      await sleep(5);
    }
    await s.flush();
    const st = s.getStats();
    assert.ok(st.framesThinned > 40, `${st.framesThinned} frames passed over`);
    assert.ok(st.stride >= 2, `stride ${st.stride}`);
    const thinned = sink.skips.filter((k) => k.reason === 'fps_adapted').map((k) => k.ptsUs);
    assert.equal(thinned.length, st.framesThinned, 'every passed-over frame is recorded');
    // Exactly one outcome per frame, whatever happened to it.
    const outcomes = publisher.of('detections').map((m) => m.ptsUs).sort((a, b) => a - b);
    assert.deepEqual(outcomes, Array.from({ length: 200 }, (_, i) => i * 100_000));
    // Thinning, not eviction in bursts: the analysed frames of the second half are never more than stride*2 apart.
    const analysed = [...new Set(sink.detections.map((d) => d.ptsUs))].filter((p) => p >= 10e6).sort((a, b) => a - b);
    const gaps = analysed.slice(1).map((p, i) => (p - analysed[i]) / 100_000);
    assert.ok(Math.max(...gaps) <= 2 * 10, `largest gap ${Math.max(...gaps)} frames`);
    assert.ok(st.framesDropped < st.framesThinned, `queue evictions ${st.framesDropped} vs thinned ${st.framesThinned}`);
  });

  it('adaptive stride rises while the queue is over half full and comes back down when it drains', () => {
    const a = new AdaptiveStride({ settleFrames: 2, maxStride: 4 });
    const admitted = (fill: number, n: number) => Array.from({ length: n }, () => a.admit(fill)).filter(Boolean).length;
    assert.equal(admitted(0, 10), 10);
    admitted(0.9, 20);
    assert.equal(a.stride, 4, 'capped at maxStride');
    assert.equal(admitted(0.9, 40), 10, '1 in 4 while saturated');
    admitted(0, 20);
    assert.equal(a.stride, 1);
  });

  it('pushBatchAndWait: sends the batch in endpoint batches at once (no age wait) and resolves when every frame has its outcome', async () => {
    const { port, calls } = fakeDetect([], (n) => (n === 1 ? new Error('HTTP 500 from yolo') : null));
    const { s, sink } = stage(port, { batchSize: 4, maxBatchAgeMs: 60_000 });
    const t0 = Date.now();
    await s.pushBatchAndWait(Array.from({ length: 10 }, (_, i) => frame('s1', i * 100_000)));
    assert.ok(Date.now() - t0 < 5000, 'the partial tail did not wait for the age limit');
    assert.deepEqual(calls, [4, 4, 2]);
    const detected = new Set(sink.detections.map((d) => d.ptsUs));
    const skipped = sink.skips.map((k) => k.ptsUs);
    assert.deepEqual(skipped, [400_000, 500_000, 600_000, 700_000]);
    assert.equal(detected.size + skipped.length, 10, 'every frame has exactly one outcome when the call resolves');
    assert.ok(skipped.every((p) => !detected.has(p)));
  });

  it('frames from the tracker\'s past (a redelivery after a hand-over) are stored without track ids and never fed to the tracker', async () => {
    const { port } = fakeDetect();
    const { s, sink, tracker } = stage(port, { trackedUpToUs: 200_000, maxBatchAgeMs: 60_000 });
    await s.pushBatchAndWait([0, 100_000, 200_000, 300_000, 400_000].map((p) => frame('s1', p)));
    assert.deepEqual(tracker.seen, [300_000, 400_000]);
    assert.deepEqual(sink.detections.map((d) => [d.ptsUs, d.trackId]), [[0, null], [100_000, null], [200_000, null], [300_000, 1], [400_000, 1]]);
    assert.equal(s.getStats().framesUntracked, 3);
    assert.equal(s.trackedUpToUs(), 400_000);
  });

});
