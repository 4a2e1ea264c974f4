/**
 * Maps pipeline timestamps to the session's media time and wall clock.
 *
 * Files keep their own timestamps (pts = position in the file). Live sources restart their timestamps
 * on every connection, so each connection is rebased: the first sample of a connection gets the larger
 * of (the end of the last sample emitted) and (wall time elapsed since the session started, read when
 * that sample arrives — not when the connection began, so a camera that takes seconds to answer does not
 * make every `ts` of the connection that much too early). The first keeps pts monotonic across
 * reconnects; the second keeps `ts` close to the real wall clock after an outage.
 */
export type MediaKind = 'frame' | 'audio';

export class MediaClock {
  private base: number | null = null;
  private offsetUs = 0;
  private readonly last: Record<MediaKind, number> = { frame: -1, audio: -1 };
  private endUs = 0;
  private frameEndUs = -1;

  constructor(
    readonly live: boolean,
    /** Wall clock (epoch ms) of pts 0. */
    readonly startMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call when a new connection (pipeline) starts producing. */
  newConnection(): void {
    if (!this.live) return;
    this.base = null;
  }

  /**
   * Media time (µs) for a sample of `kind` with pipeline pts `ptsNs`; strictly increasing per kind.
   * A missing pts (negative/NaN) continues from the previous sample.
   */
  map(kind: MediaKind, ptsNs: number, durationNs: number): { ptsUs: number; ts: number } {
    const durUs = Number.isFinite(durationNs) && durationNs > 0 ? Math.round(durationNs / 1000) : 0;
    let rawUs = Number.isFinite(ptsNs) && ptsNs >= 0 ? Math.round(ptsNs / 1000) : NaN;
    let ptsUs: number;
    if (Number.isNaN(rawUs)) {
      ptsUs = this.last[kind] + 1;
    } else if (this.live) {
      if (this.base === null) {
        this.base = rawUs;
        this.offsetUs = Math.max(this.endUs, Math.round((this.now() - this.startMs) * 1000));
      }
      rawUs -= this.base;
      ptsUs = this.offsetUs + Math.max(0, rawUs);
    } else {
      ptsUs = rawUs;
    }
    if (ptsUs <= this.last[kind]) ptsUs = this.last[kind] + 1;
    this.last[kind] = ptsUs;
    this.endUs = Math.max(this.endUs, ptsUs + durUs);
    if (kind === 'frame') this.frameEndUs = ptsUs + durUs;
    return { ptsUs, ts: this.startMs + ptsUs / 1000 };
  }

  /** End of the latest sample emitted (µs). */
  get endPositionUs(): number {
    return this.endUs;
  }

  /** Progress position (µs): the latest frame's end; audio runs ahead of video in decoder queues. */
  get positionUs(): number {
    return this.frameEndUs >= 0 ? this.frameEndUs : this.endUs;
  }
}
