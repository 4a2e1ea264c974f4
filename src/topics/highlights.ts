/**
 * `highlights`: one chosen moment of a stream: the clip window around its peak second, the fused score
 * and each signal's weighted share of it (src/highlights/fuse-signals.ts), so a reader sees why.
 */
import { z } from 'zod';
import { jsonCodec } from './codec';

export interface HighlightMsg {
  streamId: string;
  /** = startUs. */
  ptsUs: number;
  ts: number;
  startUs: number;
  endUs: number;
  peakUs: number;
  score: number;
  contributions: Record<string, number>;
  title: string;
  /** Rank within its selection window (1 = best). */
  rank: number;
}

const wire = z.object({
  ts: z.number(),
  start_us: z.number().int(),
  end_us: z.number().int(),
  peak_us: z.number().int(),
  score: z.number().min(0),
  contributions: z.record(z.string(), z.number()),
  title: z.string(),
  rank: z.number().int().min(1),
});

export const highlightsCodec = jsonCodec<HighlightMsg, z.infer<typeof wire>>(
  'highlights', wire,
  (m) => ({ ts: m.ts, start_us: m.startUs, end_us: m.endUs, peak_us: m.peakUs, score: m.score, contributions: m.contributions, title: m.title, rank: m.rank }),
  (w, streamId, ptsUs) => ({ streamId, ptsUs, ts: w.ts, startUs: w.start_us, endUs: w.end_us, peakUs: w.peak_us, score: w.score, contributions: w.contributions, title: w.title, rank: w.rank }),
);
