/** Per-frame RMS level (dBFS) and zero-crossing rate, on the same frame layout as the pitch track. */
import { rms, rmsToDb } from '../level';

export interface FrameFeatures {
  rmsDb: number[];
  /** Zero crossings per sample pair, 0..1 (noise ~0.5, low voiced speech ~0.02-0.1). */
  zcr: number[];
}

export function frameFeatures(samples: Float32Array, hop: number, span: number): FrameFeatures {
  const rmsDb: number[] = [];
  const zcr: number[] = [];
  for (let start = 0; start + span <= samples.length; start += hop) {
    const end = start + span;
    rmsDb.push(rmsToDb(rms(samples, start, end)));
    let crossings = 0;
    for (let i = start + 1; i < end; i++) if ((samples[i - 1] >= 0) !== (samples[i] >= 0)) crossings++;
    zcr.push(crossings / (span - 1));
  }
  return { rmsDb, zcr };
}
