/**
 * Voicing decision and F0 clean-up on a YIN track. A frame is voiced when it is periodic enough
 * (aperiodicity under a threshold) and loud enough (above the silence floor and within a fixed range of the
 * loudest frame, so breath and room noise between words stay unvoiced). Voiced runs shorter than a few
 * frames are dropped, and a running median inside each run removes isolated octave errors.
 */
export interface VoicingOptions {
  maxAperiodicity: number;
  silenceDb: number;
  /** Frames quieter than (loudest frame - this) are unvoiced. */
  relativeFloorDb: number;
  minRunFrames: number;
  medianFrames: number;
}

export const DEFAULT_VOICING: VoicingOptions = {
  maxAperiodicity: 0.3,
  silenceDb: -50,
  relativeFloorDb: 40,
  minRunFrames: 3,
  medianFrames: 5,
};

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Returns F0 per frame (Hz) or null where unvoiced. */
export function decideVoicing(f0: number[], aperiodicity: number[], rmsDb: number[], o: VoicingOptions = DEFAULT_VOICING): (number | null)[] {
  // A loop, not Math.max(...x): long segments would overflow the argument stack.
  const loudest = rmsDb.reduce((m, v) => (v > m ? v : m), -Infinity);
  const floor = Math.max(o.silenceDb, loudest - o.relativeFloorDb);
  const voiced = f0.map((_, i) => aperiodicity[i] < o.maxAperiodicity && rmsDb[i] >= floor);
  const out: (number | null)[] = f0.map(() => null);
  for (let i = 0; i < voiced.length; ) {
    if (!voiced[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < voiced.length && voiced[j]) j++;
    if (j - i >= o.minRunFrames) {
      const half = o.medianFrames >> 1;
      for (let k = i; k < j; k++) out[k] = median(f0.slice(Math.max(i, k - half), Math.min(j, k + half + 1)));
    }
    i = j;
  }
  return out;
}
