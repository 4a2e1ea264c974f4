/** What the API, the CLI and the metrics see of a supervised stream: one schema, the type derived from it. */
import { z } from 'zod';
import { STREAM_STATES } from '../../topics';

export const streamViewSchema = z.object({
  id: z.string(),
  source: z.string().describe('the source with any credentials removed'),
  pipeline: z.string().nullable(),
  stages: z.array(z.string()),
  fps: z.number(),
  origin: z.enum(['config', 'api']),
  state: z.enum(STREAM_STATES),
  stateSince: z.string(),
  reason: z.string().nullable(),
  restarts: z.number().int(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
  live: z.boolean().nullable(),
  ingest: z.object({
    frames: z.number(), audioSeconds: z.number(), dropped: z.number(), reconnects: z.number(), positionS: z.number(),
    durationS: z.number().nullable(), lagMs: z.number(), fps: z.number(),
  }).nullable(),
  stageStats: z.record(z.string(), z.unknown()).describe("per-stage counters (each stage module's stats())"),
});
export type StreamView = z.infer<typeof streamViewSchema>;
