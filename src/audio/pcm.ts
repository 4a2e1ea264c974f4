/** PCM input normalisation: every audio feature works on Float32 samples in [-1, 1]. */
import { VideoAgentError } from '../errors';

/** S16LE bytes (Buffer), Int16 samples, or Float32 samples already in [-1, 1]. */
export type PcmInput = Buffer | Int16Array | Float32Array;

export function toFloat32(pcm: PcmInput): Float32Array {
  if (pcm instanceof Float32Array) return pcm;
  if (pcm instanceof Int16Array) return int16ToFloat32(pcm);
  if (Buffer.isBuffer(pcm)) {
    if (pcm.length % 2 !== 0) throw new VideoAgentError('E_BAD_PCM', `S16LE PCM must have an even byte length, got ${pcm.length} bytes`);
    const out = new Float32Array(pcm.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(2 * i) / 32768;
    return out;
  }
  throw new VideoAgentError('E_BAD_PCM', 'PCM must be a Buffer (S16LE), an Int16Array or a Float32Array');
}

export function int16ToFloat32(s: Int16Array): Float32Array {
  const out = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s[i] / 32768;
  return out;
}

/** Float [-1, 1] to Int16 with clipping and rounding. */
export function float32ToInt16(s: Float32Array): Int16Array {
  const out = new Int16Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = Math.round(s[i] * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
