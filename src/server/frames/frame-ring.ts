/**
 * Recent sampled frames per stream, kept in memory for the snapshot and for `ask` (which shows the VLM the
 * frames of the moments it retrieved). Bounded in bytes per stream and thinned to one frame per
 * `keepEveryUs` of media, so a long stream keeps a sparse history instead of only its last seconds.
 */
import type { FrameMsg } from '../../topics/frames';

export interface FrameRingOptions {
  /** JPEG bytes kept per stream (default 8 MiB); the latest frame is kept even when it alone is larger. */
  maxBytesPerStream?: number;
  /** Besides the latest frame, at most one frame per this much media time (default 2 s). */
  keepEveryUs?: number;
}

export interface FrameRingStats { streams: number; frames: number; bytes: number }

/** Sorted-by-pts frames with O(1) amortised removal at the front (the oldest go first). */
class History {
  private items: FrameMsg[] = [];
  private head = 0;
  bytes = 0;

  get length(): number { return this.items.length - this.head; }
  at(i: number): FrameMsg { return this.items[this.head + i]!; }
  last(): FrameMsg | undefined { return this.length ? this.items[this.items.length - 1] : undefined; }

  /** Index of the first frame with ptsUs >= pts (length when none). */
  lowerBound(pts: number): number {
    let lo = 0, hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).ptsUs < pts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  append(f: FrameMsg): void { this.items.push(f); this.bytes += f.jpeg.length; }

  insertAt(i: number, f: FrameMsg): void { this.items.splice(this.head + i, 0, f); this.bytes += f.jpeg.length; }

  shift(): void {
    const f = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as FrameMsg; // release the JPEG now, not at compaction
    this.head++;
    this.bytes -= f.jpeg.length;
    if (this.head > 64 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0; }
  }
}

interface StreamFrames {
  latest: FrameMsg;
  history: History;
}

export class FrameRing {
  private readonly maxBytes: number;
  private readonly keepEveryUs: number;
  private readonly streams = new Map<string, StreamFrames>();

  constructor(opts: FrameRingOptions = {}) {
    this.maxBytes = opts.maxBytesPerStream ?? 8 * 1024 * 1024;
    this.keepEveryUs = opts.keepEveryUs ?? 2_000_000;
  }

  push(f: FrameMsg): void {
    const s = this.streams.get(f.streamId);
    if (!s) {
      this.streams.set(f.streamId, { latest: f, history: new History() });
      return;
    }
    if (f.ptsUs >= s.latest.ptsUs) {
      // The previous latest stays only if it opens a new keepEveryUs slot of history.
      const prev = s.latest;
      s.latest = f;
      if (prev.ptsUs !== f.ptsUs) this.keep(s.history, prev);
    } else {
      this.keep(s.history, f); // a late frame: history only, never the latest
    }
    while (s.history.length && s.history.bytes + s.latest.jpeg.length > this.maxBytes) s.history.shift();
  }

  latest(streamId: string): FrameMsg | null {
    return this.streams.get(streamId)?.latest ?? null;
  }

  /** The kept frame closest to ptsUs (the earlier one on a tie); null when none or farther than maxDistanceUs. */
  nearest(streamId: string, ptsUs: number, maxDistanceUs = Infinity): FrameMsg | null {
    const s = this.streams.get(streamId);
    if (!s) return null;
    const h = s.history;
    const i = h.lowerBound(ptsUs);
    let best: FrameMsg = s.latest;
    const consider = (f: FrameMsg) => {
      const d = Math.abs(f.ptsUs - ptsUs), bd = Math.abs(best.ptsUs - ptsUs);
      if (d < bd || (d === bd && f.ptsUs < best.ptsUs)) best = f;
    };
    if (i < h.length) consider(h.at(i));
    if (i > 0) consider(h.at(i - 1));
    return Math.abs(best.ptsUs - ptsUs) <= maxDistanceUs ? best : null;
  }

  /** Up to `max` kept frames with fromUs <= pts <= toUs, evenly spread over those available, in pts order. */
  between(streamId: string, fromUs: number, toUs: number, max: number): FrameMsg[] {
    const s = this.streams.get(streamId);
    if (!s || max < 1 || toUs < fromUs) return [];
    const h = s.history;
    const start = h.lowerBound(fromUs);
    const end = h.lowerBound(toUs + 1);
    const all: FrameMsg[] = [];
    const n = end - start + (s.latest.ptsUs >= fromUs && s.latest.ptsUs <= toUs ? 1 : 0);
    const get = (k: number) => (k < end - start ? h.at(start + k) : s.latest);
    if (n <= max) {
      for (let k = 0; k < n; k++) all.push(get(k));
      return all;
    }
    if (max === 1) return [get(Math.floor((n - 1) / 2))];
    for (let j = 0; j < max; j++) all.push(get(Math.round((j * (n - 1)) / (max - 1))));
    return all;
  }

  drop(streamId: string): void {
    this.streams.delete(streamId);
  }

  stats(): FrameRingStats {
    let frames = 0, bytes = 0;
    for (const s of this.streams.values()) {
      frames += s.history.length + 1;
      bytes += s.history.bytes + s.latest.jpeg.length;
    }
    return { streams: this.streams.size, frames, bytes };
  }

  /** Adds f to the history unless a kept frame lies within keepEveryUs of it. */
  private keep(h: History, f: FrameMsg): void {
    const last = h.last();
    if (!last || f.ptsUs >= last.ptsUs) {
      if (!last || f.ptsUs - last.ptsUs >= this.keepEveryUs) h.append(f);
      return;
    }
    const i = h.lowerBound(f.ptsUs);
    const before = i > 0 ? h.at(i - 1) : undefined;
    const after = h.at(i);
    if ((before && f.ptsUs - before.ptsUs < this.keepEveryUs) || after.ptsUs - f.ptsUs < this.keepEveryUs) return;
    h.insertAt(i, f);
  }
}
