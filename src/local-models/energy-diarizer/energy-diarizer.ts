import { readFile } from 'node:fs/promises';
import { VideoAgentError } from '../../errors';
import { decodeBase64 } from '../media/base64';
import { readWavFormat, wavSamples } from '../media/wav';
import { requireObject } from '../input-guard';
import type { JobContext, LocalModel } from '../types';
import { writeSpeechWav } from '../pocketsphinx/audio-normalize';
import { voicedRegions } from './energy-segments';

export interface DiarizationOutput {
  segments: Array<{ start: number; end: number; speaker: string }>;
  model: string;
  num_speakers: number;
}

/**
 * `diarization` endpoint STUB: there is no speaker-embedding model among our packages. It finds speech by
 * energy and labels the voiced regions SPEAKER_00, SPEAKER_01, … in turn (one speaker unless the request says
 * how many), so the pipeline's speaker plumbing is exercised. Every output says "stub" in `model`.
 */
export class EnergyDiarizer implements LocalModel {
  readonly model = 'stub-diarization (no model)';

  async init(): Promise<void> { /* no weights */ }

  async handle(input: unknown, ctx: JobContext): Promise<DiarizationOutput> {
    const obj = requireObject(input, 'diarization');
    const audio = decodeBase64(obj.audio_base64, 'audio_base64');
    const asked = [obj.num_speakers, obj.min_speakers].find((v) => v !== undefined);
    if (asked !== undefined && (!Number.isInteger(asked) || (asked as number) < 1)) {
      throw new VideoAgentError('E_BAD_INPUT', 'num_speakers: expected a positive integer');
    }
    const speakers = Math.min((asked as number | undefined) ?? 1, typeof obj.max_speakers === 'number' ? obj.max_speakers : 32);

    // Normalise to 16 kHz mono through the same path as ASR (a no-op for the WAVs our client sends).
    const file = await writeSpeechWav(audio, ctx.signal);
    let wav: Buffer;
    try { wav = await readFile(file.path); } finally { await file.dispose(); }
    const fmt = readWavFormat(wav);
    if (!fmt) throw new VideoAgentError('E_BAD_AUDIO', 'audio_base64: not a WAV file');
    const regions = voicedRegions(wavSamples(wav, fmt), fmt.sampleRate);
    const segments = regions.map((g, i) => ({ ...g, speaker: `SPEAKER_${String(i % speakers).padStart(2, '0')}` }));
    return { segments, model: this.model, num_speakers: segments.length ? Math.min(speakers, segments.length) : 0 };
  }

  async close(): Promise<void> { /* nothing held */ }
}
