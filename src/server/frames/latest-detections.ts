/**
 * The last few detections messages per stream, so the snapshot can draw the boxes of the frame it shows.
 * Detections arrive after their frame (one endpoint round trip later), so the latest frame is usually paired
 * with a message of its own pts a moment later, or meanwhile with the closest earlier one.
 */
import type { DetectionsMsg } from '../../topics/detections';

export interface LatestDetectionsOptions {
  /** Messages kept per stream (default 64: several seconds at typical sampling rates). */
  window?: number;
}

export class LatestDetections {
  private readonly window: number;
  /** Per stream, sorted by ptsUs (arrival is nearly in order: insertion scans from the end). */
  private readonly streams = new Map<string, DetectionsMsg[]>();

  constructor(opts: LatestDetectionsOptions = {}) {
    this.window = Math.max(1, opts.window ?? 64);
  }

  push(m: DetectionsMsg): void {
    let list = this.streams.get(m.streamId);
    if (!list) this.streams.set(m.streamId, (list = []));
    let i = list.length;
    while (i > 0 && list[i - 1]!.ptsUs > m.ptsUs) i--;
    // A redelivered message for the same frame replaces the old one.
    if (i > 0 && list[i - 1]!.ptsUs === m.ptsUs) list[i - 1] = m;
    else list.splice(i, 0, m);
    if (list.length > this.window) list.splice(0, list.length - this.window);
  }

  /**
   * The detections to draw on the frame at `nearPtsUs` (default: the newest): the message of that pts, else
   * the closest earlier one, at most `maxDistanceUs` before it. Skipped messages carry no objects and are
   * passed over; a frame's own skipped message falls back to an earlier analysed one too.
   */
  get(streamId: string, nearPtsUs?: number, maxDistanceUs = Infinity): DetectionsMsg | null {
    const list = this.streams.get(streamId);
    if (!list) return null;
    const target = nearPtsUs ?? Infinity;
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i]!;
      if (m.ptsUs > target || m.skipped) continue;
      return nearPtsUs === undefined || target - m.ptsUs <= maxDistanceUs ? m : null;
    }
    return null;
  }

  drop(streamId: string): void {
    this.streams.delete(streamId);
  }
}
