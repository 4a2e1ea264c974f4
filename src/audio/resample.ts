/**
 * Band-limited resampling by windowed-sinc interpolation (Blackman window, 16 zero crossings a side,
 * cutoff 0.95 x the lower Nyquist frequency), for bringing 22.05/44.1/48 kHz material to the 16 kHz the
 * audio stages work at. Quality is that of a good offline resampler; speed is O(n x 32 x ratio).
 */
import { VideoAgentError } from '../errors';

export function resample(input: Float32Array, fromRate: number, toRate: number, zeroCrossings = 16): Float32Array {
  if (!(fromRate > 0 && toRate > 0)) throw new VideoAgentError('E_BAD_PCM', `invalid resampling ${fromRate} -> ${toRate} Hz`);
  if (fromRate === toRate) return input.slice();
  const ratio = toRate / fromRate;
  const cutoff = 0.95 * Math.min(1, ratio); // fraction of the input Nyquist
  const outLength = Math.floor(input.length * ratio);
  const out = new Float32Array(outLength);
  // Filter half-width in input samples: widened when downsampling so the cutoff stays sharp.
  const half = zeroCrossings / cutoff;
  for (let n = 0; n < outLength; n++) {
    const t = n / ratio; // position in input samples
    const first = Math.max(0, Math.ceil(t - half));
    const last = Math.min(input.length - 1, Math.floor(t + half));
    let acc = 0;
    for (let k = first; k <= last; k++) {
      const x = k - t;
      const s = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
      const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / half) + 0.08 * Math.cos((2 * Math.PI * x) / half);
      acc += input[k] * cutoff * s * w;
    }
    out[n] = acc;
  }
  return out;
}
