/**
 * Runs ByteTracker over a MOTChallenge detection file (det.txt) and returns tracker output rows in the
 * same CSV schema, the input `video-agent eval track` and the tracking benchmark share.
 */
import { ByteTracker, type ByteTrackConfigInput } from '../tracking';
import type { Detection } from '../types';
import { byFrame, type MotRow } from './mot/csv';

export interface TrackSequenceOptions {
  tracker?: ByteTrackConfigInput;
  /** Which box to write: the matched detection's (default) or the Kalman-filtered track box (the reference's output). */
  box?: 'detection' | 'filtered';
  /** Last frame to run to (default: the last frame with a detection), so trailing empty frames age tracks too. */
  lastFrame?: number;
}

export function detectionsFromRows(rows: readonly MotRow[]): Detection[] {
  return rows.map((r) => ({ bbox: [r.x, r.y, r.x + r.w, r.y + r.h], confidence: r.conf, classId: 0, className: 'person' }));
}

export function trackSequence(detRows: readonly MotRow[], opts: TrackSequenceOptions = {}): MotRow[] {
  const frames = byFrame(detRows);
  const last = opts.lastFrame ?? detRows.reduce((m, r) => Math.max(m, r.frame), 0);
  const tracker = new ByteTracker(opts.tracker);
  const out: MotRow[] = [];
  for (let f = 1; f <= last; f++) {
    for (const t of tracker.update(detectionsFromRows(frames.get(f) ?? []))) {
      const b = opts.box === 'filtered' ? t.filteredBbox : t.bbox;
      out.push({ frame: f, id: t.trackId, x: b[0], y: b[1], w: b[2] - b[0], h: b[3] - b[1], conf: t.confidence });
    }
  }
  return out;
}
