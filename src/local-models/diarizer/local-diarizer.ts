import { readFile } from 'node:fs/promises';
import { VideoAgentError } from '../../errors';
import { decodeBase64 } from '../media/base64';
import { readWavFormat, wavSamples } from '../media/wav';
import { requireObject } from '../input-guard';
import type { JobContext, LocalModel } from '../types';
import { writeSpeechWav } from '../pocketsphinx/audio-normalize';
import { diarizePcm, type LocalTurn, type SpeakerEmbedding } from './diarize-pcm';
import { loadSileroVad, type SileroVad } from './silero-vad';

export interface DiarizationOutput {
  segments: LocalTurn[];
  /** One per local speaker of this request (MFCC statistics, L2-normalised): link them across windows by cosine. */
  embeddings: SpeakerEmbedding[];
  model: string;
  num_speakers: number;
}

export interface LocalDiarizerOptions {
  /** Cosine distance above which two clusters are different speakers (diarize-pcm's default otherwise). */
  threshold?: number;
  /** false: the energy VAD even when Silero is available (tests of the fallback). */
  silero?: boolean;
}

/**
 * `diarization` endpoint, classical (no speaker-embedding model ships in npm or Debian): Silero VAD (ONNX,
 * onnxruntime-node) or an energy VAD when that is not installed, MFCC-statistics embeddings and
 * agglomerative clustering (diarize-pcm.ts). `model` names the VAD that ran.
 */
export class LocalDiarizer implements LocalModel {
  private vad: SileroVad | null = null;
  private vadName = 'energy VAD';

  constructor(private readonly opts: LocalDiarizerOptions = {}) {}

  get model(): string { return `classical-diarizer (${this.vadName} + MFCC statistics + AHC, local CPU)`; }

  async init(): Promise<void> {
    if (this.opts.silero === false) return;
    this.vad = await loadSileroVad();
    if (this.vad) this.vadName = 'silero-vad-v5';
  }

  async handle(input: unknown, ctx: JobContext): Promise<DiarizationOutput> {
    const obj = requireObject(input, 'diarization');
    const audio = decodeBase64(obj.audio_base64, 'audio_base64');
    const count = (k: string): number | undefined => {
      const v = obj[k];
      if (v === undefined) return undefined;
      if (!Number.isInteger(v) || (v as number) < 1) throw new VideoAgentError('E_BAD_INPUT', `${k}: expected a positive integer`);
      return v as number;
    };
    const numSpeakers = count('num_speakers'), minSpeakers = count('min_speakers'), maxSpeakers = count('max_speakers');
    // Normalise to 16 kHz mono through the same path as ASR (a no-op for the WAVs our client sends).
    const file = await writeSpeechWav(audio, ctx.signal);
    let wav: Buffer;
    try { wav = await readFile(file.path); } finally { await file.dispose(); }
    const fmt = readWavFormat(wav);
    if (!fmt) throw new VideoAgentError('E_BAD_AUDIO', 'audio_base64: not a WAV file');
    const pcm = wavSamples(wav, fmt);
    const samples = Float32Array.from(pcm, (v) => v / 32768);
    const r = await diarizePcm(samples, fmt.sampleRate, this.vad, {
      ...(numSpeakers !== undefined ? { numSpeakers } : {}), ...(minSpeakers !== undefined ? { minSpeakers } : {}),
      ...(maxSpeakers !== undefined ? { maxSpeakers } : {}), ...(this.opts.threshold !== undefined ? { threshold: this.opts.threshold } : {}),
    });
    return { segments: r.segments, embeddings: r.embeddings, model: this.model, num_speakers: r.embeddings.length };
  }

  async close(): Promise<void> { /* the VAD session is shared by the process */ }
}
