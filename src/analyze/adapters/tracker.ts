/** The stages' tracker port on ByteTrack (src/tracking): restores a handed-over snapshot when there is one. */
import { ByteTracker, type ByteTrackConfigInput } from '../../tracking';
import type { Detection } from '../../types';
import type { TrackerFactory, TrackerPort } from '../../stages/ports';

export function byteTrackFactory(config: ByteTrackConfigInput = {}): TrackerFactory {
  return (_streamId: string, snapshot?: unknown): TrackerPort => {
    const t = snapshot ? ByteTracker.restore(snapshot) : new ByteTracker(config);
    return {
      update(detections: Detection[]): Detection[] {
        const tracked = t.update(detections);
        // ByteTracker returns the tracked subset as shallow copies of the inputs: the bbox array is shared.
        const ids = new Map(tracked.map((d) => [d.bbox, d.trackId] as const));
        return detections.map((d) => ({ ...d, trackId: ids.get(d.bbox) }));
      },
      snapshot: () => t.snapshot(),
    };
  };
}
