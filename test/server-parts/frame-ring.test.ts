import assert from 'node:assert/strict';
import { FrameRing } from '../../src/server/frames/frame-ring';
import { LatestDetections } from '../../src/server/frames/latest-detections';
import type { DetectionsMsg } from '../../src/topics/detections';
import type { FrameMsg } from '../../src/topics/frames';

const frame = (streamId: string, ptsUs: number, bytes = 1000): FrameMsg => ({
  streamId, ptsUs, ts: 1_700_000_000_000 + ptsUs / 1000, width: 64, height: 48, jpeg: Buffer.alloc(bytes, ptsUs % 251), sceneScore: null,
});

/** Frames at `fps` from 0 to durationS. */
function feed(ring: FrameRing, streamId: string, durationS: number, fps: number, bytes = 1000): void {
  for (let i = 0; i <= durationS * fps; i++) ring.push(frame(streamId, Math.round((i * 1e6) / fps), bytes));
}

const ptsOf = (fs: (FrameMsg | null)[]) => fs.map((f) => f?.ptsUs ?? null);

describe('server frames: FrameRing', () => {
  it('keeps the latest frame and one frame per keepEveryUs of media', () => {
    const ring = new FrameRing({ keepEveryUs: 2_000_000 });
    feed(ring, 'a', 10, 5); // 0, 0.2 s, … 10 s
    assert.equal(ring.latest('a')?.ptsUs, 10_000_000);
    const kept = ring.between('a', 0, 20_000_000, 100);
    assert.deepEqual(ptsOf(kept), [0, 2_000_000, 4_000_000, 6_000_000, 8_000_000, 10_000_000]);
    assert.deepEqual(ring.stats(), { streams: 1, frames: 6, bytes: 6000 });
  });

  it('evicts the oldest frames first when over the byte budget, never the latest', () => {
    const ring = new FrameRing({ maxBytesPerStream: 3500, keepEveryUs: 1_000_000 });
    feed(ring, 'a', 10, 1); // 11 frames of 1000 bytes: 3 fit
    assert.deepEqual(ptsOf(ring.between('a', 0, 1e9, 100)), [8_000_000, 9_000_000, 10_000_000]);
    assert.equal(ring.stats().bytes, 3000);
    ring.push(frame('a', 11_000_000, 10_000)); // alone over the budget: still kept as the latest
    assert.equal(ring.latest('a')?.ptsUs, 11_000_000);
    assert.deepEqual(ring.stats(), { streams: 1, frames: 1, bytes: 10_000 });
  });

  it('keeps streams apart, and drop forgets one', () => {
    const ring = new FrameRing({ maxBytesPerStream: 2500, keepEveryUs: 0 });
    feed(ring, 'a', 5, 1);
    feed(ring, 'b', 1, 1);
    assert.equal(ring.stats().streams, 2);
    assert.equal(ring.between('b', 0, 1e9, 10).length, 2, 'a filling its budget does not evict b');
    ring.drop('a');
    assert.equal(ring.latest('a'), null);
    assert.deepEqual(ring.stats(), { streams: 1, frames: 2, bytes: 2000 });
  });

  it('nearest picks the closest kept frame and honours maxDistanceUs', () => {
    const ring = new FrameRing({ keepEveryUs: 2_000_000 });
    feed(ring, 'a', 10, 5);
    assert.equal(ring.nearest('a', 4_900_000)?.ptsUs, 4_000_000);
    assert.equal(ring.nearest('a', 5_100_000)?.ptsUs, 6_000_000);
    assert.equal(ring.nearest('a', 5_000_000)?.ptsUs, 4_000_000, 'a tie goes to the earlier frame');
    assert.equal(ring.nearest('a', -5_000_000)?.ptsUs, 0);
    assert.equal(ring.nearest('a', 30_000_000)?.ptsUs, 10_000_000, 'past the end: the latest');
    assert.equal(ring.nearest('a', 30_000_000, 1_000_000), null);
    assert.equal(ring.nearest('a', 4_900_000, 1_000_000)?.ptsUs, 4_000_000);
    assert.equal(ring.nearest('nope', 0), null);
  });

  it('between spreads at most max frames evenly over the window', () => {
    const ring = new FrameRing({ keepEveryUs: 1_000_000 });
    feed(ring, 'a', 20, 1);
    assert.deepEqual(ptsOf(ring.between('a', 2_000_000, 10_000_000, 3)), [2_000_000, 6_000_000, 10_000_000]);
    assert.deepEqual(ptsOf(ring.between('a', 2_000_000, 10_000_000, 1)), [6_000_000]);
    assert.deepEqual(ptsOf(ring.between('a', 2_500_000, 4_500_000, 10)), [3_000_000, 4_000_000]);
    assert.deepEqual(ring.between('a', 5_000_000, 1_000_000, 3), []);
    assert.deepEqual(ring.between('a', 0, 1e9, 0), []);
  });

  it('a late (out-of-order) frame fills a gap in the history without becoming the latest', () => {
    const ring = new FrameRing({ keepEveryUs: 2_000_000 });
    ring.push(frame('a', 0));
    ring.push(frame('a', 6_000_000));
    ring.push(frame('a', 8_000_000));
    ring.push(frame('a', 3_000_000)); // late, 3 s from its neighbours: kept
    ring.push(frame('a', 3_500_000)); // within 2 s of the late one: not kept
    assert.equal(ring.latest('a')?.ptsUs, 8_000_000);
    assert.deepEqual(ptsOf(ring.between('a', 0, 1e9, 10)), [0, 3_000_000, 6_000_000, 8_000_000]);
  });

  it('push stays fast and memory bounded over a long stream', () => {
    const ring = new FrameRing({ maxBytesPerStream: 100_000, keepEveryUs: 0 });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i++) ring.push(frame('a', i * 40_000, 100));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.deepEqual(ring.stats(), { streams: 1, frames: 1000, bytes: 100_000 });
    assert.ok(ms < 2000, `200k pushes took ${ms} ms`);
  });
});

const det = (ptsUs: number, extra: Partial<DetectionsMsg> = {}): DetectionsMsg => ({
  streamId: 'a', ptsUs, ts: 0, width: 64, height: 48,
  detections: [{ bbox: [1, 2, 3, 4], confidence: 0.5, classId: 0, className: 'person', trackId: ptsUs }], skipped: null, ...extra,
});

describe('server frames: LatestDetections', () => {
  it('pairs a frame with the detections of the same pts, else the closest earlier analysed one', () => {
    const d = new LatestDetections();
    d.push(det(0));
    d.push(det(200_000));
    d.push(det(400_000, { detections: [], skipped: 'breaker_open' }));
    assert.equal(d.get('a', 200_000)?.ptsUs, 200_000, 'same pts');
    assert.equal(d.get('a', 300_000)?.ptsUs, 200_000, 'detections of 300 ms not there yet: the earlier one');
    assert.equal(d.get('a', 400_000)?.ptsUs, 200_000, 'its own message was skipped: no objects, use the earlier one');
    assert.equal(d.get('a')?.ptsUs, 200_000, 'newest analysed');
    assert.equal(d.get('a', 150_000)?.ptsUs, 0);
    assert.equal(d.get('a', 900_000, 500_000), null, 'too old to draw on that frame');
    assert.equal(d.get('a', -1), null, 'nothing earlier');
    assert.equal(d.get('b'), null);
  });

  it('keeps a window of the newest messages in pts order, replacing redeliveries', () => {
    const d = new LatestDetections({ window: 4 });
    for (const p of [0, 100, 300, 200, 400, 500]) d.push(det(p));
    assert.equal(d.get('a', 100), null, 'evicted: only the newest 4 remain');
    assert.equal(d.get('a', 250)?.ptsUs, 200, 'an out-of-order arrival is found in its place');
    d.push(det(500, { detections: [] }));
    assert.deepEqual(d.get('a', 500)?.detections, [], 'the redelivery replaced the first message');
    d.drop('a');
    assert.equal(d.get('a'), null);
  });
});
