/** Signal level helpers: RMS in dBFS (full-scale sine = -3 dBFS, digital silence = the floor) and silence. */
import { toFloat32, type PcmInput } from './pcm';

/** Lowest level reported, instead of -Infinity, so results stay JSON-serialisable. */
export const DB_FLOOR = -120;

export function rmsToDb(rms: number): number {
  return rms > 0 ? Math.max(DB_FLOOR, 20 * Math.log10(rms)) : DB_FLOOR;
}

export function rms(samples: Float32Array, start = 0, end = samples.length): number {
  if (end <= start) return 0;
  let s = 0;
  for (let i = start; i < end; i++) s += samples[i] * samples[i];
  return Math.sqrt(s / (end - start));
}

export function rmsDbfs(pcm: PcmInput): number {
  return rmsToDb(rms(toFloat32(pcm)));
}

/** Default silence threshold: quieter than -50 dBFS RMS is treated as no sound. */
export const DEFAULT_SILENCE_DB = -50;

/** True when the chunk's RMS level is below `thresholdDb` dBFS (an empty chunk is silent). */
export function isSilent(pcm: PcmInput, thresholdDb: number = DEFAULT_SILENCE_DB): boolean {
  return rmsDbfs(pcm) < thresholdDb;
}
