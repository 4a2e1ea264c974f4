/** A stretch of audio whose energy is above the speech threshold. */
export interface VoicedRegion { start: number; end: number }

export interface EnergySegmentOptions {
  frameMs?: number;
  /** A frame is voiced when its RMS is above max(absolute floor, noise floor + this many dB). */
  marginDb?: number;
  /** Voiced regions closer than this are merged (pauses inside a sentence). */
  mergeGapS?: number;
  /** Shorter regions are dropped (clicks). */
  minRegionS?: number;
}

/**
 * Energy-based voice activity: frame RMS in dBFS against an adaptive threshold (10th-percentile noise floor
 * + margin, never below -50 dBFS). No speaker model: this only finds where someone is talking.
 */
export function voicedRegions(samples: Int16Array, sampleRate: number, opts: EnergySegmentOptions = {}): VoicedRegion[] {
  const frameLen = Math.max(1, Math.round((sampleRate * (opts.frameMs ?? 30)) / 1000));
  const frames = Math.floor(samples.length / frameLen);
  if (frames === 0) return [];
  const db = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * frameLen; i < (f + 1) * frameLen; i++) sum += samples[i]! * samples[i]!;
    db[f] = 10 * Math.log10(sum / frameLen / (32768 * 32768) + 1e-12);
  }
  const floor = [...db].sort((a, b) => a - b)[Math.floor(frames * 0.1)]!;
  const threshold = Math.max(-50, floor + (opts.marginDb ?? 12));
  const frameS = frameLen / sampleRate;
  const regions: VoicedRegion[] = [];
  for (let f = 0; f < frames; f++) {
    if (db[f]! < threshold) continue;
    const start = f * frameS, end = (f + 1) * frameS;
    const last = regions[regions.length - 1];
    if (last && start - last.end <= (opts.mergeGapS ?? 0.4)) last.end = end;
    else regions.push({ start, end });
  }
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return regions.filter((g) => g.end - g.start >= (opts.minRegionS ?? 0.2)).map((g) => ({ start: r(g.start), end: r(g.end) }));
}
