/**
 * Cuts a stream's audio into fixed "core" windows (default 5 s, aligned to multiples of the window length
 * in media time, so a re-run cuts at the same places) and sends each core with an overlap on both sides.
 * A word is kept only by the window whose core contains the word's midpoint: a word straddling a boundary
 * is recognised whole in both windows (thanks to the overlap) and kept exactly once.
 */
import type { AudioChunk } from '../../types';

export interface WindowingOptions {
  sampleRate?: number;
  /** Core window length, seconds. */
  windowS?: number;
  /** Audio sent on each side of the core, seconds. */
  overlapS?: number;
  /** Gaps in the chunk timeline up to this long are filled with silence; longer gaps restart the timeline. */
  maxGapFillS?: number;
}

export interface AudioWindow {
  streamId: string;
  /** Core span, media time µs; words whose midpoint lies in [coreStartUs, coreEndUs) belong to this window. */
  coreStartUs: number;
  coreEndUs: number;
  /** Span of `pcm` (core plus overlaps), media time µs. */
  sendStartUs: number;
  sendEndUs: number;
  pcm: Int16Array;
  sampleRate: number;
  /** Wall clock of media time 0, epoch ms. */
  wallOffsetMs: number;
  /** True for the last window of a stream: it owns every word after its core start. */
  final: boolean;
}

export class AudioWindower {
  private readonly sr: number;
  private readonly coreSamples: number;
  private readonly overlapSamples: number;
  private readonly maxGapSamples: number;
  private streamId = '';
  private wallOffsetMs = 0;
  /** Absolute sample index (media time × rate) of buf[0]. */
  private bufStart = 0;
  private buf = new Int16Array(0);
  private bufLen = 0;
  /** Index of the next core window to emit; null before the first chunk. */
  private nextWindow: number | null = null;

  constructor(opts: WindowingOptions = {}) {
    this.sr = opts.sampleRate ?? 16000;
    const windowS = opts.windowS ?? 5;
    const overlapS = opts.overlapS ?? 1;
    if (!(windowS > 0) || !(overlapS >= 0) || overlapS >= windowS) throw new RangeError(`bad audio window ${windowS}s / overlap ${overlapS}s`);
    this.coreSamples = Math.round(windowS * this.sr);
    this.overlapSamples = Math.round(overlapS * this.sr);
    this.maxGapSamples = Math.round((opts.maxGapFillS ?? 10) * this.sr);
  }

  /** Adds a chunk and returns the windows that became complete (core + right overlap available). */
  push(chunk: AudioChunk): AudioWindow[] {
    const pcm = new Int16Array(chunk.pcm.buffer.slice(chunk.pcm.byteOffset, chunk.pcm.byteOffset + (chunk.pcm.byteLength & ~1)));
    const startSample = Math.round((chunk.ptsUs * this.sr) / 1e6);
    const out: AudioWindow[] = [];
    if (this.nextWindow === null) {
      this.streamId = chunk.streamId;
      this.wallOffsetMs = chunk.ts - chunk.ptsUs / 1000;
      this.bufStart = startSample;
      this.nextWindow = Math.floor(startSample / this.coreSamples);
    } else {
      const end = this.bufStart + this.bufLen;
      const gap = startSample - end;
      if (gap > this.maxGapSamples) {
        // A long outage (e.g. reconnect): close what we have and restart the timeline at the new chunk.
        out.push(...this.flush());
        this.bufStart = startSample;
        this.bufLen = 0;
        this.nextWindow = Math.floor(startSample / this.coreSamples);
      } else if (gap > Math.round(this.sr * 0.02)) {
        this.append(new Int16Array(gap));
      }
      // Small overlaps/jitter (gap ≤ 20 ms or negative) are appended as they come: pts are monotonic.
    }
    this.append(pcm);
    out.push(...this.emitReady(false));
    return out;
  }

  /** End of stream: emits the remaining partial window (if it has audio). */
  flush(): AudioWindow[] {
    if (this.nextWindow === null) return [];
    const out = this.emitReady(true);
    return out;
  }

  private emitReady(final: boolean): AudioWindow[] {
    const out: AudioWindow[] = [];
    const end = this.bufStart + this.bufLen;
    for (;;) {
      const k = this.nextWindow as number;
      const coreStart = k * this.coreSamples;
      const coreEnd = coreStart + this.coreSamples;
      const ready = end >= coreEnd + this.overlapSamples;
      if (!ready && !(final && end > Math.max(coreStart, this.bufStart))) break;
      const isLast = !ready;
      const sendStart = Math.max(this.bufStart, coreStart - this.overlapSamples);
      const sendEnd = Math.min(end, coreEnd + this.overlapSamples);
      out.push({
        streamId: this.streamId,
        coreStartUs: this.toUs(Math.max(coreStart, this.bufStart)),
        coreEndUs: this.toUs(isLast ? end : coreEnd),
        sendStartUs: this.toUs(sendStart),
        sendEndUs: this.toUs(sendEnd),
        pcm: this.buf.slice(sendStart - this.bufStart, sendEnd - this.bufStart),
        sampleRate: this.sr,
        wallOffsetMs: this.wallOffsetMs,
        final: isLast,
      });
      this.nextWindow = k + 1;
      if (isLast) break;
      this.discardBefore(coreEnd - this.overlapSamples);
    }
    return out;
  }

  /** The buffered audio and positions, so another worker can continue this stream's windows exactly. */
  snapshot(): WindowerState {
    const bytes = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.bufLen * 2);
    return { streamId: this.streamId, wallOffsetMs: this.wallOffsetMs, bufStart: this.bufStart, nextWindow: this.nextWindow, pcm: bytes.toString('base64') };
  }

  restore(s: WindowerState): void {
    const bytes = Buffer.from(s.pcm, 'base64');
    const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.byteLength & ~1)));
    this.streamId = s.streamId;
    this.wallOffsetMs = s.wallOffsetMs;
    this.bufStart = s.bufStart;
    this.nextWindow = s.nextWindow;
    this.buf = new Int16Array(Math.max(pcm.length, this.sr));
    this.buf.set(pcm);
    this.bufLen = pcm.length;
  }

  private toUs(sample: number): number { return Math.round((sample * 1e6) / this.sr); }

  private append(pcm: Int16Array): void {
    if (this.bufLen + pcm.length > this.buf.length) {
      const next = new Int16Array(Math.max(this.bufLen + pcm.length, this.buf.length * 2, this.sr));
      next.set(this.buf.subarray(0, this.bufLen));
      this.buf = next;
    }
    this.buf.set(pcm, this.bufLen);
    this.bufLen += pcm.length;
  }

  private discardBefore(sample: number): void {
    const n = Math.min(this.bufLen, Math.max(0, sample - this.bufStart));
    if (n === 0) return;
    this.buf.copyWithin(0, n, this.bufLen);
    this.bufLen -= n;
    this.bufStart += n;
  }
}

/** What a windower holds between chunks: the audio not yet in an emitted window, as plain JSON. */
export interface WindowerState {
  streamId: string;
  wallOffsetMs: number;
  bufStart: number;
  nextWindow: number | null;
  /** S16LE samples buf[0..bufLen), base64. */
  pcm: string;
}

/** Midpoint ownership: the rule that keeps a boundary word exactly once. */
export function ownsSpan(w: AudioWindow, startUs: number, endUs: number): boolean {
  const mid = (startUs + endUs) / 2;
  return mid >= w.coreStartUs && (w.final || mid < w.coreEndUs);
}
