/**
 * Highlight fusion: per-second signal values from every stage (the VLM's clip_worthy_score, prosody
 * arousal against the stream's own baseline, spoken keywords, emotion intensity and change, new tracks,
 * crowd-size peaks, fast motion, scene cuts) become one weighted score per second; highlights are the top
 * seconds after non-maximum suppression over time with a minimum gap, each widened to a clip window and
 * keeping its per-signal contributions so a user can see why it was chosen.
 */
export const SIGNALS = ['vlm', 'arousal', 'keyword', 'emotion', 'new_track', 'crowd', 'motion', 'scene'] as const;
export type Signal = (typeof SIGNALS)[number];

export type Weights = Record<Signal, number>;

export const DEFAULT_WEIGHTS: Weights = { vlm: 3, arousal: 2, keyword: 2, emotion: 1.5, new_track: 1, crowd: 1, motion: 1, scene: 1.5 };

export interface SelectOptions {
  topN: number;
  /** Minimum distance between two highlights' peaks, seconds. */
  minGapS: number;
  /** Seconds before / after the peak that the clip covers. */
  preS: number;
  postS: number;
  /**
   * Peaks below this fused score are not highlights. The default lets one signal of weight >= 1 at full
   * strength qualify on its own (1 / the default weights' sum of 13 = 0.077).
   */
  minScore: number;
}

/** minGapS > preS + postS, so the default clips of two highlights never overlap. */
export const DEFAULT_SELECT: SelectOptions = { topN: 10, minGapS: 10, preS: 4, postS: 4, minScore: 0.075 };

/** Limits a selection to one time window, away from peaks already chosen in earlier windows. */
export interface SelectScope {
  fromUs: number;
  toUs: number;
  /** Peaks chosen before: a new peak keeps minGapS from them too. */
  avoidPeaksUs?: number[];
}

/** The fuser's open seconds, for hand-over between workers. */
export type FuserState = [bin: number, values: Partial<Record<Signal, number>>][];

export interface Highlight {
  peakUs: number;
  startUs: number;
  endUs: number;
  score: number;
  /** Weighted share of each signal in `score` (they sum to it). */
  contributions: Partial<Record<Signal, number>>;
}

const BIN_US = 1_000_000;

export class SignalFuser {
  /** bin (whole seconds of media time) → signal → strongest value in [0, 1] seen in that second. */
  private readonly bins = new Map<number, Partial<Record<Signal, number>>>();

  constructor(private readonly weights: Weights = DEFAULT_WEIGHTS) {
    for (const s of SIGNALS) if (!(weights[s] >= 0)) throw new RangeError(`highlight weight for ${s} must be >= 0, got ${weights[s]}`);
  }

  /** A signal's value in [0, 1] at media time `ptsUs` (a second keeps its strongest value per signal). */
  add(signal: Signal, ptsUs: number, value: number): void {
    if (!Number.isFinite(value)) return;
    const v = Math.max(0, Math.min(1, value));
    const bin = Math.floor(ptsUs / BIN_US);
    const cur = this.bins.get(bin) ?? {};
    if ((cur[signal] ?? 0) < v) cur[signal] = v;
    this.bins.set(bin, cur);
  }

  /** The fused score of one second with its contributions. */
  scoreAt(bin: number): { score: number; contributions: Partial<Record<Signal, number>> } {
    const total = SIGNALS.reduce((a, s) => a + this.weights[s], 0) || 1;
    const values = this.bins.get(bin) ?? {};
    const contributions: Partial<Record<Signal, number>> = {};
    let score = 0;
    for (const s of SIGNALS) {
      const c = ((values[s] ?? 0) * this.weights[s]) / total;
      if (c > 0) { contributions[s] = c; score += c; }
    }
    return { score, contributions };
  }

  /**
   * Top-N highlights: greedy non-maximum suppression over time (ties go to the earlier second), over all
   * seconds or only those of `scope`.
   */
  select(o: SelectOptions = DEFAULT_SELECT, scope?: SelectScope): Highlight[] {
    const inScope = (bin: number) => !scope || (bin * BIN_US >= scope.fromUs && bin * BIN_US < scope.toUs);
    const scored = [...this.bins.keys()].filter(inScope).map((bin) => ({ bin, ...this.scoreAt(bin) }))
      .filter((x) => x.score >= o.minScore)
      .sort((a, b) => b.score - a.score || a.bin - b.bin);
    const avoid = (scope?.avoidPeaksUs ?? []).map((us) => Math.floor(us / BIN_US));
    const chosen: typeof scored = [];
    for (const c of scored) {
      if (chosen.length >= o.topN) break;
      const tooClose = (bin: number) => Math.abs(bin - c.bin) * (BIN_US / 1e6) < o.minGapS;
      if (chosen.some((k) => tooClose(k.bin)) || avoid.some(tooClose)) continue;
      chosen.push(c);
    }
    return chosen.map((c) => {
      const peakUs = c.bin * BIN_US + BIN_US / 2;
      return { peakUs, startUs: Math.max(0, peakUs - o.preS * 1e6), endUs: peakUs + o.postS * 1e6, score: c.score, contributions: c.contributions };
    }).sort((a, b) => a.peakUs - b.peakUs);
  }

  /** Forgets the seconds before `us` (a closed window). */
  prune(beforeUs: number): void {
    for (const bin of this.bins.keys()) if (bin * BIN_US < beforeUs) this.bins.delete(bin);
  }

  get size(): number { return this.bins.size; }

  snapshot(): FuserState { return [...this.bins].map(([b, v]) => [b, { ...v }]); }

  restore(state: FuserState): void {
    this.bins.clear();
    for (const [b, v] of state) this.bins.set(b, { ...v });
  }
}
