/**
 * Clips for a live stream's highlights, cut from its recording after the fact: a highlight ranked within
 * `top` of its window is queued, waits until closed segments cover its whole span (the one being written
 * is never read), then is exported and published like any clip. One export at a time per stream, a
 * bounded queue (the oldest waiting highlight is dropped, counted, when it is full), and a highlight whose
 * span the recording never covers (retention, a gap) is given up after `maxWaitMs`.
 */
import type { Pool } from 'pg';
import { childLogger } from '../obs/logger';
import type { ObjectStore } from '../object-store';
import type { HighlightMsg } from '../topics';
import type { RecordingSegment } from './clip-source';
import { publishClip } from './clip-store';
import { exportClip } from './export-clip';

export interface LiveClipperOptions {
  streamId: string;
  pool: Pool;
  store: ObjectStore;
  /** Closed segments overlapping [fromUs, toUs) of the stream's media time (src/recording). */
  segments: (fromUs: number, toUs: number) => Promise<RecordingSegment[]>;
  /** Epoch ms of media time 0 for this session. */
  streamStartMs: number;
  top: number;
  maxQueue?: number;
  pollMs?: number;
  maxWaitMs?: number;
}

export interface LiveClipperStats { queued: number; exported: number; failed: number; dropped: number; gaveUp: number }

export class LiveHighlightClipper {
  private readonly log;
  private readonly queue: { h: HighlightMsg; since: number }[] = [];
  private readonly stats: LiveClipperStats = { queued: 0, exported: 0, failed: 0, dropped: 0, gaveUp: 0 };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly o: LiveClipperOptions) {
    this.log = childLogger({ component: 'live-clipper', streamId: o.streamId });
  }

  /** Feed every `highlights` message; those ranked within `top` are queued. */
  offer(h: HighlightMsg): void {
    if (this.closed || h.rank > this.o.top) return;
    if (this.queue.length >= (this.o.maxQueue ?? 16)) { this.queue.shift(); this.stats.dropped++; }
    this.queue.push({ h, since: Date.now() });
    this.stats.queued++;
    this.schedule(0);
  }

  getStats(): LiveClipperStats { return { ...this.stats }; }

  /** Stops polling; an export in progress finishes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.closed || this.timer || this.running) return;
    this.timer = setTimeout(() => { this.timer = null; this.running = this.drain().finally(() => { this.running = null; if (this.queue.length) this.schedule(this.o.pollMs ?? 5000); }); }, ms);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.closed) {
      const next = this.queue[0]!;
      const { h } = next;
      const segments = await this.o.segments(h.startUs, h.endUs).catch(() => [] as RecordingSegment[]);
      const last = segments[segments.length - 1];
      const covered = segments.length > 0 && segments[0]!.startUs <= h.startUs + 500_000 && last!.startUs + last!.durationUs >= h.endUs;
      if (!covered) {
        if (Date.now() - next.since > (this.o.maxWaitMs ?? 120_000)) {
          this.queue.shift();
          this.stats.gaveUp++;
          this.log.warn({ startUs: h.startUs, endUs: h.endUs }, 'no recording covers this highlight: no clip');
          continue;
        }
        return; // its segment is still being written: poll again later
      }
      this.queue.shift();
      try {
        const clip = await exportClip({ kind: 'segments', segments }, { fromS: h.startUs / 1e6, toS: h.endUs / 1e6, posterAtS: Math.min(Math.max(h.peakUs, h.startUs), h.endUs) / 1e6 });
        await publishClip(this.o.pool, this.o.store, clip, {
          streamId: this.o.streamId, fromUs: h.startUs, toUs: h.endUs, streamStartMs: this.o.streamStartMs, source: 'recording', highlightPtsUs: h.ptsUs,
        });
        this.stats.exported++;
      } catch (err) {
        this.stats.failed++;
        this.log.warn({ err, startUs: h.startUs }, 'highlight clip export failed');
      }
    }
  }
}
