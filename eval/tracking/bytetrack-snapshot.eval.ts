import assert from 'node:assert/strict';
import { ByteTracker } from '../../src/tracking';
import { readMotCsv } from '../../src/eval/mot';
import { byFrame } from '../../src/eval/mot/csv';
import { detectionsFromRows } from '../../src/eval/track-sequence';
import { sharedEvalPath } from '../../src/eval/shared-data';

describe('eval: ByteTracker hand-over on real detections (sort_mot15_dets)', () => {
  it('snapshot -> JSON -> restore -> continue equals continuing directly (TUD-Campus detections)', () => {
    const frames = byFrame(readMotCsv(sharedEvalPath('sort_mot15_dets', 'TUD-Campus', 'det.txt')));
    const last = Math.max(...frames.keys());
    const direct = new ByteTracker();
    let handed = new ByteTracker();
    for (let f = 1; f <= last; f++) {
      const dets = detectionsFromRows(frames.get(f) ?? []);
      if (f === 30) handed = ByteTracker.restore(JSON.parse(JSON.stringify(handed.snapshot())));
      assert.deepEqual(handed.update(dets), direct.update(dets), `frame ${f}`);
    }
    assert.deepEqual(handed.snapshot(), direct.snapshot());
    assert.ok(direct.snapshot().nextTrackId > 5);
  });
});
