/**
 * The stages' prosody port on src/audio/prosody: the full feature summary goes into the segment's JSONB
 * (without the per-frame tracks, which would bloat every row), plus the two fields the VLM triggers read.
 */
import { analyzeProsody, isSilent, DEFAULT_SILENCE_DB } from '../../audio';
import type { ProsodySummary } from '../../topics';

export interface ProsodyPort {
  analyze(pcm: Int16Array, sampleRate: number): ProsodySummary;
  isSilent(pcm: Int16Array, sampleRate: number): boolean;
}

export function prosodyPort(silenceThresholdDb = DEFAULT_SILENCE_DB): ProsodyPort {
  return {
    analyze(pcm, sampleRate): ProsodySummary {
      const f = analyzeProsody(pcm, { sampleRate, silenceThresholdDb, includeTrack: false });
      const { track: _track, ...summary } = f;
      return { ...summary, rmsDb: f.rmsDb, f0MedianHz: f.f0.medianHz };
    },
    isSilent: (pcm) => isSilent(pcm, silenceThresholdDb),
  };
}
