/** `events`: one described window of the VLM stage (the events row, plus the trigger time and emotions). */
import { z } from 'zod';
import { jsonCodec } from './codec';

export interface EventMsg {
  streamId: string;
  /** Equals startUs. */
  ptsUs: number;
  ts: number;
  startUs: number;
  endUs: number;
  /** Media time of the trigger that opened the window. */
  triggerUs: number;
  description: string;
  tags: string[];
  clipWorthyScore: number;
  emotions: string[];
  model: string;
}

const wire = z.object({
  ts: z.number(),
  start_us: z.number().int(),
  end_us: z.number().int(),
  trigger_us: z.number().int(),
  description: z.string(),
  tags: z.array(z.string()),
  clip_worthy_score: z.number().min(0).max(1),
  emotions: z.array(z.string()),
  model: z.string(),
});

export const eventsCodec = jsonCodec<EventMsg, z.infer<typeof wire>>(
  'events', wire,
  (m) => ({
    ts: m.ts, start_us: m.startUs, end_us: m.endUs, trigger_us: m.triggerUs, description: m.description, tags: m.tags,
    clip_worthy_score: m.clipWorthyScore, emotions: m.emotions, model: m.model,
  }),
  (w, streamId, ptsUs) => ({
    streamId, ptsUs, ts: w.ts, startUs: w.start_us, endUs: w.end_us, triggerUs: w.trigger_us, description: w.description,
    tags: w.tags, clipWorthyScore: w.clip_worthy_score, emotions: w.emotions, model: w.model,
  }),
);
