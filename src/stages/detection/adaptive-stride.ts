/**
 * Live sources only: when detection cannot keep up (its queue keeps filling), analyse every k-th frame
 * instead of letting the queue evict the oldest in bursts, so the frames that are analysed stay evenly
 * spread in time; when it catches up, k comes back down. Every frame passed over is recorded by the
 * stage (a `fps_adapted` skip and a skipped outcome), never silently lost.
 */
export interface AdaptiveStrideOptions {
  /** Largest k (analyse 1 frame in k). */
  maxStride?: number;
  /** Queue fill (0..1) above which k goes up. */
  highWater?: number;
  /** Queue fill below which k may come down. */
  lowWater?: number;
  /** Frames to wait after a change before changing again (lets the queue react). */
  settleFrames?: number;
}

export class AdaptiveStride {
  private k = 1;
  private sinceChange = 0;
  private n = 0;
  private readonly maxStride: number;
  private readonly high: number;
  private readonly low: number;
  private readonly settle: number;

  constructor(opts: AdaptiveStrideOptions = {}) {
    this.maxStride = opts.maxStride ?? 10;
    this.high = opts.highWater ?? 0.5;
    this.low = opts.lowWater ?? 0.1;
    this.settle = opts.settleFrames ?? 8;
  }

  get stride(): number { return this.k; }

  /** Called per arriving frame with the queue's fill (0..1); true when this frame should be analysed. */
  admit(queueFill: number): boolean {
    this.sinceChange++;
    if (this.sinceChange >= this.settle) {
      if (queueFill >= this.high && this.k < this.maxStride) { this.k++; this.sinceChange = 0; }
      else if (queueFill <= this.low && this.k > 1) { this.k--; this.sinceChange = 0; }
    }
    return this.n++ % this.k === 0;
  }
}
