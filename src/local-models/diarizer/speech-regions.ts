/**
 * Speech regions from per-frame speech probabilities (Silero's 32 ms chunks) with hysteresis, as Silero's
 * own `get_speech_timestamps` does: speech starts above `threshold`, ends after `minSilenceS` below
 * `threshold − 0.15`; regions shorter than `minSpeechS` are dropped and each side is padded by `padS`.
 */
export interface Region { start: number; end: number }

export interface RegionOptions {
  threshold?: number;
  minSpeechS?: number;
  minSilenceS?: number;
  padS?: number;
}

export function speechRegions(probs: ArrayLike<number>, frameS: number, durationS: number, opts: RegionOptions = {}): Region[] {
  const on = opts.threshold ?? 0.5;
  const off = Math.max(0.01, on - 0.15);
  const minSilence = opts.minSilenceS ?? 0.1;
  const minSpeech = opts.minSpeechS ?? 0.25;
  const pad = opts.padS ?? 0.03;
  const out: Region[] = [];
  let start: number | null = null;
  let lastSpeech = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    const t = i * frameS;
    if (start === null) {
      if (p >= on) { start = t; lastSpeech = t + frameS; }
    } else if (p >= off) {
      lastSpeech = t + frameS;
    } else if (t - lastSpeech >= minSilence) {
      out.push({ start, end: lastSpeech });
      start = null;
    }
  }
  if (start !== null) out.push({ start, end: lastSpeech });
  const kept = out.filter((r) => r.end - r.start >= minSpeech).map((r) => ({ start: Math.max(0, r.start - pad), end: Math.min(durationS, r.end + pad) }));
  // Padding may make neighbours touch.
  const merged: Region[] = [];
  for (const r of kept) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}
