/**
 * A stream's own baseline for one feature: exponentially forgetting mean and variance (West's weighted
 * Welford), so "loud" means loud for this camera and this hour, not above a fixed dB threshold.
 */
export class RunningBaseline {
  private mean = 0;
  private variance = 0;
  private weight = 0;

  /**
   * `halfLife`: observations after which an old one counts half. `minStd`: the smallest spread a z-score
   * is measured against, in the feature's units, so a very steady signal (a constant hum) does not turn
   * an imperceptible wobble into a huge z; it is the smallest change that means anything (1.5 dB, …).
   */
  constructor(private readonly halfLife = 60, private readonly minSamples = 5, private readonly minStd = 1e-4) {}

  /** The z-score of `x` against the baseline so far (0 until `minSamples`), then `x` joins the baseline. */
  observe(x: number): number {
    const z = this.weight >= this.minSamples ? (x - this.mean) / Math.max(this.minStd, Math.sqrt(this.variance)) : 0;
    const decay = Math.pow(0.5, 1 / this.halfLife);
    this.weight = this.weight * decay + 1;
    const delta = x - this.mean;
    this.mean += delta / this.weight;
    this.variance = (1 - 1 / this.weight) * (this.variance + (delta * delta) / this.weight);
    return z;
  }

  get samples(): number { return this.weight; }

  snapshot(): BaselineState { return { mean: this.mean, variance: this.variance, weight: this.weight }; }

  restore(s: BaselineState): void { this.mean = s.mean; this.variance = s.variance; this.weight = s.weight; }
}

export interface BaselineState { mean: number; variance: number; weight: number }

/** A z-score mapped to [0, 1]: 0 at or below `from` standard deviations, 1 at `to`. */
export function zToUnit(z: number, from = 1, to = 4): number {
  return Math.max(0, Math.min(1, (z - from) / (to - from)));
}
