import assert from 'node:assert/strict';
import { ByteTracker, type TrackedDetection } from '../../src/tracking';
import { initiate, predict, update } from '../../src/tracking/kalman';
import { detectionsFromRows } from '../../src/eval/track-sequence';
import { byFrame } from '../../src/eval/mot/csv';
import { VideoAgentError } from '../../src/errors';
import { detections, groundTruth } from './synthetic-scene';
import type { Detection } from '../../src/types';

const box = (x: number, y: number, score = 0.9, classId = 0, w = 40, h = 100): Detection => ({
  bbox: [x, y, x + w, y + h],
  confidence: score,
  classId,
  className: classId === 0 ? 'person' : 'car',
});

const idAt = (out: TrackedDetection[], x: number): number | undefined => out.find((d) => d.bbox[0] === x)?.trackId;

describe('tracking/kalman', () => {
  it('learns a constant velocity and predicts ahead', () => {
    let s = initiate([100, 100, 0.5, 80]);
    for (let k = 1; k <= 20; k++) s = update(predict(s), [100 + 3 * k, 100 - 2 * k, 0.5, 80]);
    const p = predict(s);
    assert.ok(Math.abs(p.mean[0] - (100 + 3 * 21)) < 0.5, `cx ${p.mean[0]}`);
    assert.ok(Math.abs(p.mean[1] - (100 - 2 * 21)) < 0.5, `cy ${p.mean[1]}`);
    assert.ok(Math.abs(p.mean[4] - 3) < 0.1 && Math.abs(p.mean[5] + 2) < 0.1);
  });

  it('an update shrinks the position variance and keeps the covariance symmetric', () => {
    const s = predict(initiate([50, 50, 1, 40]));
    const u = update(s, [52, 50, 1, 40]);
    assert.ok(u.covariance[0] < s.covariance[0]);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) assert.ok(Math.abs(u.covariance[i * 8 + j] - u.covariance[j * 8 + i]) < 1e-9);
  });
});

describe('tracking/ByteTracker', () => {
  it('keeps stable, dense ids for moving objects', () => {
    const t = new ByteTracker();
    for (let f = 0; f < 30; f++) {
      const out = t.update([box(10 + 4 * f, 50), box(400 - 4 * f, 300)]);
      assert.equal(out.length, 2);
      assert.equal(idAt(out, 10 + 4 * f), 1);
      assert.equal(idAt(out, 400 - 4 * f), 2);
    }
  });

  it('keeps a track through low-score boxes (second association) but never starts one from them', () => {
    const t = new ByteTracker();
    for (let f = 0; f < 5; f++) t.update([box(10 + 5 * f, 50)]);
    for (let f = 5; f < 10; f++) {
      const out = t.update([box(10 + 5 * f, 50, 0.3), box(600, 400, 0.3)]);
      assert.deepEqual(out.map((d) => [d.trackId, d.bbox[0]]), [[1, 10 + 5 * f]], `frame ${f}`);
    }
  });

  it('re-finds a lost track inside the buffer with the same id and forgets it after', () => {
    // frameRate 15 halves the 30-frame buffer: lost for more than 15 frames = removed.
    const t = new ByteTracker({ frameRate: 15 });
    for (let f = 0; f < 5; f++) t.update([box(100, 100)]);
    for (let f = 0; f < 10; f++) assert.deepEqual(t.update([]), []);
    const back = t.update([box(100, 100)]);
    assert.equal(back[0]?.trackId, 1);
    for (let f = 0; f < 17; f++) t.update([]);
    t.update([box(100, 100)]);
    const again = t.update([box(100, 100)]);
    assert.equal(again[0]?.trackId, 2, 'a new track after the buffer expired');
  });

  it('needs two frames to confirm a track after the first frame, and the new-track threshold to start one', () => {
    const t = new ByteTracker();
    t.update([]);
    assert.deepEqual(t.update([box(100, 100), box(300, 100, 0.55)]), [], 'unconfirmed tracks are not reported');
    const out = t.update([box(102, 100), box(300, 100, 0.55)]);
    assert.deepEqual(out.map((d) => d.trackId), [1], 'the 0.55 box (< trackThresh + 0.1) never started a track');
    // A flicker (one frame only) consumes no public id.
    t.update([box(102, 100), box(500, 400)]);
    t.update([box(104, 100)]);
    const later = t.update([box(106, 100), box(700, 400)]);
    t.update([box(108, 100), box(700, 400)]);
    assert.equal(later.length, 1);
    assert.deepEqual(t.activeTracks().map((a) => a.trackId).sort(), [1, 2]);
  });

  it('tracks classes separately when perClass is set', () => {
    const mixed = new ByteTracker({ perClass: true });
    const plain = new ByteTracker();
    let mixedIds: number[] = [];
    let plainIds: number[] = [];
    for (let f = 0; f < 6; f++) {
      // The object keeps its place but its class flips at frame 3.
      const dets = [box(100, 100, 0.9, f < 3 ? 0 : 1)];
      mixedIds = mixed.update(dets).map((d) => d.trackId);
      plainIds = plain.update(dets).map((d) => d.trackId);
    }
    assert.deepEqual(plainIds, [1], 'class-agnostic tracking keeps the id across a class change');
    assert.deepEqual(mixedIds, [2], 'per-class tracking starts a new track for the new class');
  });

  it('snapshot -> JSON -> restore -> continue equals continuing directly (generated scene: misses, low scores, clutter)', () => {
    const scene = { frames: 80, objects: 8, seed: 3, jitterPx: 3, missRate: 0.15, lowScoreRate: 0.15, clutterPerFrame: 1 };
    const frames = byFrame(detections(groundTruth(scene), scene));
    const direct = new ByteTracker();
    let handed = new ByteTracker();
    let sawLost = false;
    for (let f = 1; f <= scene.frames; f++) {
      const dets = detectionsFromRows(frames.get(f) ?? []);
      // Hand over every 7 frames, so snapshots are taken with lost and unconfirmed tracks in them too.
      if (f % 7 === 0) {
        const snap = handed.snapshot();
        sawLost ||= snap.lost.length > 0;
        handed = ByteTracker.restore(JSON.parse(JSON.stringify(snap)));
      }
      assert.deepEqual(handed.update(dets), direct.update(dets), `frame ${f}`);
    }
    assert.deepEqual(handed.snapshot(), direct.snapshot());
    assert.ok(direct.snapshot().nextTrackId > 8, `nextTrackId ${direct.snapshot().nextTrackId}`);
    assert.ok(sawLost, 'some snapshot held a lost track');
  });

  it('rejects bad detections with a clear error and leaves its state untouched', () => {
    const t = new ByteTracker();
    t.update([box(10, 10)]);
    const before = JSON.stringify(t.snapshot());
    assert.throws(() => t.update([box(10, 10), { ...box(0, 0), bbox: [5, 5, 5, 20] }]), (e: unknown) => e instanceof VideoAgentError && /detection 1/.test(e.message));
    assert.throws(() => t.update([{ ...box(0, 0), confidence: NaN }]), VideoAgentError);
    assert.equal(JSON.stringify(t.snapshot()), before);
    assert.throws(() => ByteTracker.restore({ version: 1 }), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_TRACKER_SNAPSHOT');
    assert.throws(() => new ByteTracker({ trackThresh: 2 }), (e: unknown) => e instanceof VideoAgentError && /trackThresh/.test(e.message));
  });
});
