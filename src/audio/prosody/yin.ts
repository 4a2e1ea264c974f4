/**
 * YIN fundamental-frequency tracker (de Cheveigné & Kawahara, JASA 2002), written here rather than taken
 * from `pitchfinder` because that package is GPL-3.0 (an aubio port) and estimates one buffer at a time
 * with no frame layout or voicing output. Steps per frame: difference function (via energy prefix sums and
 * cross-correlation), cumulative-mean-normalised difference (CMND), absolute threshold with descent to the
 * local minimum, parabolic interpolation. The CMND value at the chosen lag is the frame's aperiodicity,
 * which drives the voicing decision together with the frame's energy.
 */
export interface YinOptions {
  sampleRate: number;
  /** Lowest / highest F0 searched (Hz). */
  minF0?: number;
  maxF0?: number;
  /** Frame hop in seconds. */
  hopSec?: number;
  /** Integration window in seconds (at least one period of minF0 is always used). */
  windowSec?: number;
  /** CMND threshold of YIN's step 4. */
  threshold?: number;
}

export interface YinFrame {
  /** Centre of the analysed span, seconds from the start of the input. */
  timeSec: number;
  /** Best F0 estimate in Hz (always set; voicing is decided by the caller from `aperiodicity`). */
  f0Hz: number;
  /** CMND value at the chosen lag: ~0 for a clean periodic frame, ~1 for noise. */
  aperiodicity: number;
}

export interface YinLayout {
  window: number;
  tauMin: number;
  tauMax: number;
  hop: number;
  /** Samples a frame spans: window + tauMax. */
  span: number;
}

export function yinLayout(o: YinOptions): YinLayout {
  const sr = o.sampleRate;
  const tauMax = Math.ceil(sr / (o.minF0 ?? 60));
  const tauMin = Math.max(2, Math.floor(sr / (o.maxF0 ?? 500)));
  const window = Math.max(tauMax, Math.round(sr * (o.windowSec ?? 0.025)));
  const hop = Math.max(1, Math.round(sr * (o.hopSec ?? 0.01)));
  return { window, tauMin, tauMax, hop, span: window + tauMax };
}

export function yinTrack(samples: Float32Array, o: YinOptions): YinFrame[] {
  const { window: W, tauMin, tauMax, hop, span } = yinLayout(o);
  const threshold = o.threshold ?? 0.15;
  const frames: YinFrame[] = [];
  if (samples.length < span) return frames;
  // Prefix sums of squares give every lagged window energy in O(1).
  const sq = new Float64Array(samples.length + 1);
  for (let i = 0; i < samples.length; i++) sq[i + 1] = sq[i] + samples[i] * samples[i];
  const d = new Float64Array(tauMax + 2);
  const cmnd = new Float64Array(tauMax + 2);
  for (let start = 0; start + span <= samples.length; start += hop) {
    const e0 = sq[start + W] - sq[start];
    // Difference function d(tau) = e0 + e_tau - 2 r(tau), for tau in 1..tauMax+1. Four lags share one pass
    // over the window (each lag keeps its own sum in the same order, so the result is unchanged): the
    // cross-correlation is most of the prosody cost.
    const lastLag = Math.min(tauMax + 1, samples.length - start - W);
    const end = start + W;
    let tau = 1;
    for (; tau + 3 <= lastLag; tau += 4) {
      let r0 = 0, r1 = 0, r2 = 0, r3 = 0;
      for (let j = start, k = start + tau; j < end; j++, k++) {
        const x = samples[j];
        r0 += x * samples[k];
        r1 += x * samples[k + 1];
        r2 += x * samples[k + 2];
        r3 += x * samples[k + 3];
      }
      d[tau] = Math.max(0, e0 + (sq[start + tau + W] - sq[start + tau]) - 2 * r0);
      d[tau + 1] = Math.max(0, e0 + (sq[start + tau + 1 + W] - sq[start + tau + 1]) - 2 * r1);
      d[tau + 2] = Math.max(0, e0 + (sq[start + tau + 2 + W] - sq[start + tau + 2]) - 2 * r2);
      d[tau + 3] = Math.max(0, e0 + (sq[start + tau + 3 + W] - sq[start + tau + 3]) - 2 * r3);
    }
    for (; tau <= lastLag; tau++) {
      let r = 0;
      for (let j = start, k = start + tau; j < end; j++, k++) r += samples[j] * samples[k];
      d[tau] = Math.max(0, e0 + (sq[start + tau + W] - sq[start + tau]) - 2 * r);
    }
    const lastTau = lastLag;
    let running = 0;
    cmnd[0] = 1;
    for (let tau = 1; tau <= lastTau; tau++) {
      running += d[tau];
      cmnd[tau] = running > 0 ? (d[tau] * tau) / running : 1;
    }
    // Step 4: first dip under the threshold (descending to its minimum), else the global minimum.
    let best = -1;
    for (let tau = tauMin; tau <= tauMax; tau++) {
      if (cmnd[tau] < threshold) {
        while (tau + 1 <= tauMax && cmnd[tau + 1] < cmnd[tau]) tau++;
        best = tau;
        break;
      }
    }
    if (best < 0) {
      best = tauMin;
      for (let tau = tauMin + 1; tau <= tauMax; tau++) if (cmnd[tau] < cmnd[best]) best = tau;
    }
    // Step 5: parabolic interpolation of the CMND minimum.
    let refined = best;
    if (best > 1 && best < lastTau) {
      const a = cmnd[best - 1];
      const b = cmnd[best];
      const c = cmnd[best + 1];
      const denom = a - 2 * b + c;
      if (denom > 0) refined = best + (0.5 * (a - c)) / denom;
    }
    frames.push({ timeSec: (start + span / 2) / o.sampleRate, f0Hz: o.sampleRate / refined, aperiodicity: cmnd[best] });
  }
  return frames;
}
