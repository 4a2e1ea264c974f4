/** The detection stage's tracker: ByteTrack (src/tracking), restored from a handed-over snapshot when there is one. */
import { ByteTracker, type ByteTrackConfigInput } from '../../tracking';
import type { DetectedBox } from '../../runpod/inference';
import type { DetectedObject } from '../../topics';

/** Per-stream multi-object tracker; its state is plain JSON so a lease holder can hand it over. */
export interface TrackerPort {
  /**
   * Returns the input boxes, same length and order, each with `trackId` set when the tracker assigned it
   * to an active track (low-score or unmatched boxes get null).
   */
  update(boxes: DetectedBox[], ptsUs: number): DetectedObject[];
  snapshot(): unknown;
}

export function byteTracker(snapshot?: unknown, config: ByteTrackConfigInput = {}): TrackerPort {
  const t = snapshot ? ByteTracker.restore(snapshot) : new ByteTracker(config);
  return {
    update(boxes) {
      const tracked = t.update(boxes);
      // ByteTracker returns the tracked subset as shallow copies of the inputs: the bbox array is shared.
      const ids = new Map(tracked.map((d) => [d.bbox, d.trackId] as const));
      return boxes.map((d) => ({ ...d, trackId: ids.get(d.bbox) ?? null }));
    },
    snapshot: () => t.snapshot(),
  };
}
