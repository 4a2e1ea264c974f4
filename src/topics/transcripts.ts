/**
 * `transcripts`: one message per audio_segments row: a recognised segment (text, words, prosody), a
 * window found silent (`isSilence`, never sent to ASR), or a window not transcribed (`skipped`). Every
 * window of audio is therefore accounted for, and consumers know how far transcription has got.
 */
import { z } from 'zod';
import { jsonCodec } from './codec';

export interface TranscriptWord { word: string; startUs: number; endUs: number }

/** The prosody summary of the segment's audio (src/audio/prosody); `rmsDb` and `f0MedianHz` always set. */
export interface ProsodySummary {
  rmsDb: number;
  f0MedianHz: number | null;
  [key: string]: unknown;
}

export interface TranscriptMsg {
  streamId: string;
  /** Equals startUs. */
  ptsUs: number;
  ts: number;
  startUs: number;
  endUs: number;
  text: string;
  confidence: number | null;
  isSilence: boolean;
  speakerId: string | null;
  prosody: ProsodySummary | null;
  words: TranscriptWord[];
  model: string | null;
  skipped: string | null;
}

const wire = z.object({
  ts: z.number(),
  start_us: z.number().int(),
  end_us: z.number().int(),
  text: z.string(),
  confidence: z.number().nullable(),
  is_silence: z.boolean().optional(),
  speaker_id: z.string().nullable().optional(),
  prosody: z.record(z.string(), z.unknown()).nullable(),
  words: z.array(z.object({ word: z.string(), start_us: z.number().int(), end_us: z.number().int() })),
  model: z.string().nullable().optional(),
  skipped: z.string().nullable().optional(),
});

export const transcriptsCodec = jsonCodec<TranscriptMsg, z.infer<typeof wire>>(
  'transcripts', wire,
  (m) => ({
    ts: m.ts, start_us: m.startUs, end_us: m.endUs, text: m.text, confidence: m.confidence, is_silence: m.isSilence,
    speaker_id: m.speakerId, prosody: m.prosody, words: m.words.map((w) => ({ word: w.word, start_us: w.startUs, end_us: w.endUs })),
    model: m.model, ...(m.skipped ? { skipped: m.skipped } : {}),
  }),
  (w, streamId, ptsUs) => ({
    streamId, ptsUs, ts: w.ts, startUs: w.start_us, endUs: w.end_us, text: w.text, confidence: w.confidence,
    isSilence: w.is_silence ?? false, speakerId: w.speaker_id ?? null,
    prosody: w.prosody && typeof w.prosody.rmsDb === 'number' ? (w.prosody as ProsodySummary) : null,
    words: w.words.map((x) => ({ word: x.word, startUs: x.start_us, endUs: x.end_us })), model: w.model ?? null, skipped: w.skipped ?? null,
  }),
);
