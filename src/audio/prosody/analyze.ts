/**
 * Prosody of one audio chunk or segment: F0 track and summary, RMS energy, zero-crossing rate, a speaking-rate
 * proxy and a silence flag. The result is plain JSON (no NaN/Infinity: missing values are null, levels are
 * floored at -120 dBFS) so it can go straight into a JSONB column.
 */
import { VideoAgentError } from '../../errors';
import { AUDIO_SAMPLE_RATE } from '../../types';
import { DB_FLOOR, DEFAULT_SILENCE_DB, rms, rmsToDb } from '../level';
import { toFloat32, type PcmInput } from '../pcm';
import { frameFeatures } from './frame-features';
import { countSyllableNuclei, type SpeakingRate } from './speaking-rate';
import { DEFAULT_VOICING, decideVoicing } from './voicing';
import { yinLayout, yinTrack } from './yin';

export interface ProsodyOptions {
  /** Sample rate of the input (default 16000, the pipeline's audio format). */
  sampleRate?: number;
  minF0?: number;
  maxF0?: number;
  hopSec?: number;
  /** Chunk RMS below this (dBFS) sets `silent`; frames below it are never voiced. Default -50. */
  silenceThresholdDb?: number;
  /** CMND aperiodicity under which a loud-enough frame is voiced (default 0.3). */
  voicingThreshold?: number;
  /** Include the per-frame tracks (default true). */
  includeTrack?: boolean;
}

export interface F0Summary {
  medianHz: number | null;
  meanHz: number | null;
  minHz: number | null;
  maxHz: number | null;
  rangeHz: number | null;
  /** max/min in semitones: speaker-independent pitch span. */
  rangeSemitones: number | null;
  stdHz: number | null;
  voicedFraction: number;
}

export interface ProsodyTrack {
  hopSec: number;
  /** Time of the first frame's centre (s). */
  startSec: number;
  f0Hz: (number | null)[];
  rmsDb: number[];
  zcr: number[];
}

export interface ProsodyFeatures {
  sampleRate: number;
  durationSec: number;
  silent: boolean;
  silenceThresholdDb: number;
  /** RMS level of the whole chunk (dBFS). */
  rmsDb: number;
  /** Mean and maximum of the frame levels (dBFS). */
  meanFrameDb: number;
  maxFrameDb: number;
  /** Mean zero-crossing rate (crossings per sample pair). */
  zcr: number;
  f0: F0Summary;
  speakingRate: SpeakingRate;
  track?: ProsodyTrack;
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

function summariseF0(f0: (number | null)[]): F0Summary {
  const v = f0.filter((x): x is number => x !== null).sort((a, b) => a - b);
  const voicedFraction = f0.length ? v.length / f0.length : 0;
  if (v.length === 0) {
    return { medianHz: null, meanHz: null, minHz: null, maxHz: null, rangeHz: null, rangeSemitones: null, stdHz: null, voicedFraction };
  }
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const m = v.length >> 1;
  const median = v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  const min = v[0];
  const max = v[v.length - 1];
  return {
    medianHz: round(median, 2),
    meanHz: round(mean, 2),
    minHz: round(min, 2),
    maxHz: round(max, 2),
    rangeHz: round(max - min, 2),
    rangeSemitones: round(12 * Math.log2(max / min), 2),
    stdHz: round(std, 2),
    voicedFraction: round(voicedFraction, 4),
  };
}

export function analyzeProsody(pcm: PcmInput, opts: ProsodyOptions = {}): ProsodyFeatures {
  const samples = toFloat32(pcm);
  const sampleRate = opts.sampleRate ?? AUDIO_SAMPLE_RATE;
  if (!Number.isFinite(sampleRate) || sampleRate < 4000) throw new VideoAgentError('E_BAD_PCM', `prosody needs a sample rate of at least 4 kHz, got ${sampleRate}`);
  const minF0 = opts.minF0 ?? 60;
  const maxF0 = opts.maxF0 ?? 500;
  if (!(minF0 > 0 && maxF0 > minF0 && maxF0 < sampleRate / 4)) throw new VideoAgentError('E_BAD_PROSODY_OPTIONS', `invalid F0 range ${minF0}-${maxF0} Hz`);
  const silenceThresholdDb = opts.silenceThresholdDb ?? DEFAULT_SILENCE_DB;
  const yinOpts = { sampleRate, minF0, maxF0, hopSec: opts.hopSec ?? 0.01 };
  const layout = yinLayout(yinOpts);
  const pitch = yinTrack(samples, yinOpts);
  const feats = frameFeatures(samples, layout.hop, layout.span);
  const f0 = decideVoicing(
    pitch.map((p) => p.f0Hz),
    pitch.map((p) => p.aperiodicity),
    feats.rmsDb,
    { ...DEFAULT_VOICING, silenceDb: silenceThresholdDb, maxAperiodicity: opts.voicingThreshold ?? DEFAULT_VOICING.maxAperiodicity },
  );
  const durationSec = samples.length / sampleRate;
  const voicedFrames = f0.filter((x) => x !== null).length;
  const nuclei = countSyllableNuclei(feats.rmsDb, f0.map((x) => x !== null));
  const chunkDb = rmsToDb(rms(samples));
  const n = feats.rmsDb.length;
  const hopSec = layout.hop / sampleRate;
  const result: ProsodyFeatures = {
    sampleRate,
    durationSec: round(durationSec, 4),
    silent: chunkDb < silenceThresholdDb,
    silenceThresholdDb,
    rmsDb: round(chunkDb, 2),
    meanFrameDb: round(n ? feats.rmsDb.reduce((a, b) => a + b, 0) / n : DB_FLOOR, 2),
    maxFrameDb: round(n ? feats.rmsDb.reduce((m, v) => (v > m ? v : m), -Infinity) : chunkDb, 2),
    zcr: round(n ? feats.zcr.reduce((a, b) => a + b, 0) / n : 0, 4),
    f0: summariseF0(f0),
    speakingRate: {
      syllableNuclei: nuclei,
      syllablesPerSecond: round(durationSec > 0 ? nuclei / durationSec : 0, 3),
      nucleiPerVoicedSecond: voicedFrames > 0 ? round(nuclei / (voicedFrames * hopSec), 3) : null,
    },
  };
  if (opts.includeTrack ?? true) {
    result.track = {
      hopSec,
      startSec: round(layout.span / 2 / sampleRate, 6),
      f0Hz: f0.map((x) => (x === null ? null : round(x, 2))),
      rmsDb: feats.rmsDb.map((x) => round(x, 2)),
      zcr: feats.zcr.map((x) => round(x, 4)),
    };
  }
  return result;
}
