/**
 * `speakers`: the speaker turns of one diarized audio window, with stream-wide speaker ids (linked across
 * windows by the diarization stage), or `skipped` with the reason. `ptsUs` = the window's start.
 */
import { z } from 'zod';
import { jsonCodec } from './codec';

export interface SpeakerTurn {
  /** Stable over the whole stream, e.g. `S1`. */
  speakerId: string;
  startUs: number;
  endUs: number;
}

export interface SpeakersMsg {
  streamId: string;
  /** = startUs. */
  ptsUs: number;
  ts: number;
  startUs: number;
  endUs: number;
  turns: SpeakerTurn[];
  skipped: string | null;
  model: string | null;
}

const wire = z.object({
  ts: z.number(),
  start_us: z.number().int(),
  end_us: z.number().int(),
  turns: z.array(z.object({ speaker_id: z.string().min(1), start_us: z.number().int(), end_us: z.number().int() })),
  skipped: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
});

export const speakersCodec = jsonCodec<SpeakersMsg, z.infer<typeof wire>>(
  'speakers', wire,
  (m) => ({
    ts: m.ts, start_us: m.startUs, end_us: m.endUs,
    turns: m.turns.map((t) => ({ speaker_id: t.speakerId, start_us: t.startUs, end_us: t.endUs })),
    ...(m.skipped ? { skipped: m.skipped } : {}), model: m.model,
  }),
  (w, streamId, ptsUs) => ({
    streamId, ptsUs, ts: w.ts, startUs: w.start_us, endUs: w.end_us,
    turns: w.turns.map((t) => ({ speakerId: t.speaker_id, startUs: t.start_us, endUs: t.end_us })),
    skipped: w.skipped ?? null, model: w.model ?? null,
  }),
);
