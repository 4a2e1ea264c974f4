/**
 * MFCCs (25 ms Hamming frames, 10 ms hop, 0.97 pre-emphasis, 40 mel bands 20 Hz–min(7.6 kHz, Nyquist),
 * DCT-II) and the per-segment statistics used as a classical speaker embedding. Plain TypeScript: a
 * radix-2 FFT over 512 points is all it needs, ~1 ms of CPU per second of audio.
 */
export interface MfccOptions {
  sampleRate?: number;
  frameMs?: number;
  hopMs?: number;
  melBands?: number;
  /** Coefficients kept, c0 included. */
  coefficients?: number;
}

export interface MfccFrames {
  /** frames × coefficients, row-major. */
  data: Float32Array;
  frames: number;
  coefficients: number;
  /** Seconds between frame starts. */
  hopS: number;
  /** Seconds from a frame's start to its centre. */
  centreS: number;
}

export function mfcc(samples: Float32Array, opts: MfccOptions = {}): MfccFrames {
  const sr = opts.sampleRate ?? 16000;
  const frameLen = Math.round((sr * (opts.frameMs ?? 25)) / 1000);
  const hop = Math.round((sr * (opts.hopMs ?? 10)) / 1000);
  const nCoef = opts.coefficients ?? 20;
  const nMel = opts.melBands ?? 40;
  let nfft = 1;
  while (nfft < frameLen) nfft <<= 1;
  const frames = samples.length >= frameLen ? 1 + Math.floor((samples.length - frameLen) / hop) : 0;
  const out = new Float32Array(frames * nCoef);
  const window = hamming(frameLen);
  const fb = melFilterbank(nMel, nfft, sr, 20, Math.min(7600, sr / 2));
  const dct = dctMatrix(nCoef, nMel);
  const re = new Float64Array(nfft);
  const im = new Float64Array(nfft);
  const power = new Float64Array(nfft / 2 + 1);
  const logMel = new Float64Array(nMel);
  for (let f = 0; f < frames; f++) {
    const off = f * hop;
    re.fill(0); im.fill(0);
    for (let i = 0; i < frameLen; i++) {
      const x = samples[off + i]! - 0.97 * (off + i > 0 ? samples[off + i - 1]! : 0);
      re[i] = x * window[i]!;
    }
    fft(re, im);
    for (let k = 0; k <= nfft / 2; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    for (let m = 0; m < nMel; m++) {
      const { start, weights } = fb[m]!;
      let e = 0;
      for (let j = 0; j < weights.length; j++) e += weights[j]! * power[start + j]!;
      logMel[m] = Math.log(e + 1e-10);
    }
    for (let c = 0; c < nCoef; c++) {
      let s = 0;
      const row = dct[c]!;
      for (let m = 0; m < nMel; m++) s += row[m]! * logMel[m]!;
      out[f * nCoef + c] = s;
    }
  }
  return { data: out, frames, coefficients: nCoef, hopS: hop / sr, centreS: frameLen / 2 / sr };
}

/**
 * Speaker embedding of a set of frames: mean and standard deviation of c1..c(n-1) (c0, the loudness, is
 * left out so the same voice at another level stays the same speaker), each coefficient scaled by a fixed
 * sinusoidal lifter so that the low-order coefficients (large in magnitude for every voice) do not swamp
 * the cosine similarity. The vector is L2-normalised.
 */
export function mfccStats(m: MfccFrames, frameIdx: ArrayLike<number>): number[] {
  const n = m.coefficients - 1;
  const mean = new Float64Array(n);
  const sq = new Float64Array(n);
  const count = frameIdx.length;
  if (count === 0) return new Array(2 * n).fill(0);
  for (let k = 0; k < count; k++) {
    const base = frameIdx[k]! * m.coefficients;
    for (let c = 0; c < n; c++) {
      const v = m.data[base + c + 1]!;
      mean[c] += v;
      sq[c] += v * v;
    }
  }
  const vec: number[] = [];
  for (let c = 0; c < n; c++) {
    const mu = mean[c]! / count;
    vec.push(mu * lifter(c + 1));
  }
  for (let c = 0; c < n; c++) {
    const mu = mean[c]! / count;
    vec.push(Math.sqrt(Math.max(0, sq[c]! / count - mu * mu)) * lifter(c + 1));
  }
  return l2normalize(vec);
}

/** HTK's sinusoidal cepstral lifter (L = 22): evens out the natural fall of cepstral magnitude with order. */
function lifter(c: number): number {
  return 1 + 11 * Math.sin((Math.PI * c) / 22);
}

export function l2normalize(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return n > 0 ? v.map((x) => x / n) : v;
}

function hamming(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (n - 1));
  return w;
}

function hzToMel(hz: number): number { return 2595 * Math.log10(1 + hz / 700); }
function melToHz(mel: number): number { return 700 * (10 ** (mel / 2595) - 1); }

function melFilterbank(nMel: number, nfft: number, sr: number, lowHz: number, highHz: number): Array<{ start: number; weights: Float64Array }> {
  const lo = hzToMel(lowHz), hi = hzToMel(highHz);
  const bins: number[] = [];
  for (let i = 0; i < nMel + 2; i++) bins.push((melToHz(lo + ((hi - lo) * i) / (nMel + 1)) * nfft) / sr);
  const out: Array<{ start: number; weights: Float64Array }> = [];
  for (let m = 1; m <= nMel; m++) {
    const l = bins[m - 1]!, c = bins[m]!, r = bins[m + 1]!;
    const start = Math.max(0, Math.ceil(l));
    const end = Math.min(nfft / 2, Math.floor(r));
    const w = new Float64Array(Math.max(0, end - start + 1));
    for (let k = start; k <= end; k++) w[k - start] = k <= c ? (k - l) / Math.max(1e-9, c - l) : (r - k) / Math.max(1e-9, r - c);
    out.push({ start, weights: w });
  }
  return out;
}

function dctMatrix(nCoef: number, n: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let c = 0; c < nCoef; c++) {
    const row = new Float64Array(n);
    const scale = Math.sqrt((c === 0 ? 1 : 2) / n);
    for (let m = 0; m < n; m++) row[m] = scale * Math.cos((Math.PI * c * (m + 0.5)) / n);
    rows.push(row);
  }
  return rows;
}

/** In-place iterative radix-2 FFT (length a power of two). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang), wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k, b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr; im[b] = im[a]! - ti;
        re[a] = re[a]! + tr; im[a] = im[a]! + ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}
