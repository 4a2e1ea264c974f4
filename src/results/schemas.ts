import { z } from 'zod';

/**
 * Query and response shapes of the results read layer, one definition each: the HTTP routes use them as
 * request/response schemas (and so for OpenAPI), `video-agent export` parses its flags with the same ones.
 * Times in responses: media seconds (`t`, `startS`, `endS`, numbers) and wall clock (`ts`, ISO-8601 UTC).
 */

/** A parsed `from`/`to`: media time (compared with pts_us) or wall clock (compared with ts). */
export type TimeBound = { kind: 'media'; us: number } | { kind: 'wall'; iso: string; ms: number };

const MEDIA_SECONDS = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const isoDateTime = z.iso.datetime({ offset: true });
const BOUND_HINT = 'expected media seconds (e.g. 12.5) or an ISO-8601 time with a zone (e.g. 2026-12-01T10:00:00Z)';

/** Media seconds (non-negative number, or a decimal string) or an ISO-8601 date-time with Z or an offset. */
export const timeBound = z
  .union([z.number(), z.string()])
  .transform((v, ctx): TimeBound => {
    if (typeof v === 'number') {
      if (Number.isFinite(v) && v >= 0) return { kind: 'media', us: Math.round(v * 1e6) };
    } else {
      const s = v.trim();
      if (MEDIA_SECONDS.test(s)) return { kind: 'media', us: Math.round(Number(s) * 1e6) };
      if (isoDateTime.safeParse(s).success) return { kind: 'wall', iso: s, ms: Date.parse(s) };
    }
    ctx.issues.push({ code: 'custom', input: v, message: `${BOUND_HINT}, got ${JSON.stringify(v)}` });
    return z.NEVER;
  })
  .meta({ description: 'media seconds (e.g. 12.5) or an ISO-8601 time (e.g. 2026-12-01T10:00:00Z); inclusive' });

export const timeRangeShape = { from: timeBound.optional(), to: timeBound.optional() };

/** `to` before `from` is an error when both are the same kind; mixed kinds need the stream's time base, so SQL just applies both. */
function rangeOrder(v: unknown, ctx: z.RefinementCtx): void {
  const { from, to } = v as { from?: TimeBound; to?: TimeBound };
  if (!from || !to || from.kind !== to.kind) return;
  const before = from.kind === 'media' ? (to as { us: number }).us < from.us : (to as { ms: number }).ms < from.ms;
  if (before) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must not be before from' });
}

/** An object schema with the time-range fields' order check: how every list query is built. */
export function withTimeRange<S extends z.ZodRawShape>(shape: S) {
  return z.object({ ...timeRangeShape, ...shape }).superRefine(rangeOrder);
}

export const timeRangeQuery = withTimeRange({});

const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * A number, or a decimal string (query strings are text), then checked by `inner`. Not z.coerce: that turns
 * '' into 0, so `?track=` would silently mean track 0. `description` documents the range in OpenAPI, where
 * only the input side (number or string) is visible.
 */
export function numeric<T extends z.ZodNumber>(inner: T, description: string) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const n = typeof v === 'number' ? v : DECIMAL.test(v.trim()) ? Number(v) : Number.NaN;
      if (!Number.isNaN(n)) return n;
      ctx.issues.push({ code: 'custom', input: v, message: `expected a number, got ${JSON.stringify(v)}` });
      return z.NEVER;
    })
    .pipe(inner)
    .meta({ description });
}

export const pageShape = {
  cursor: z.string().min(1).max(2048).optional().meta({ description: 'opaque: the nextCursor of the previous page' }),
  limit: numeric(z.number().int().min(1).max(1000), 'page size, an integer 1..1000 (default 100)').default(100),
};
export const pageQuery = z.object(pageShape);

const score = numeric(z.number().min(0).max(1), 'a score threshold 0..1 (inclusive)');

const booleanish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const detectionsQuery = withTimeRange({
  ...pageShape,
  class: z.string().min(1).max(200).optional().meta({ description: 'class name, e.g. person' }),
  track: numeric(z.number().int().min(0), 'track id, an integer >= 0').optional(),
  minScore: score.optional(),
});

export const transcriptFormat = z.enum(['json', 'srt', 'vtt']);
export const transcriptQuery = withTimeRange({
  ...pageShape,
  format: transcriptFormat.default('json'),
  includeSilence: booleanish.default(false),
});

export const eventsQuery = withTimeRange({
  ...pageShape,
  minScore: score.optional(),
  tag: z.string().min(1).max(200).optional(),
});

export const highlightsQuery = withTimeRange({
  ...pageShape,
  minScore: score.optional(),
  top: numeric(z.number().int().min(1).max(1000), 'an integer 1..1000').optional().meta({ description: 'only the N best-scored highlights of the range (still listed by media time)' }),
});

export const emotionsQuery = withTimeRange({
  ...pageShape,
  emotion: z.string().min(1).max(64).optional().meta({ description: 'e.g. happy' }),
  track: numeric(z.number().int().min(0), 'track id, an integer >= 0').optional(),
  minScore: score.optional(),
});

export const speakersQuery = withTimeRange({
  ...pageShape,
  speaker: z.string().min(1).max(64).optional().meta({ description: 'a stream-wide speaker id, e.g. S1' }),
});

export const searchQuery = withTimeRange({
  q: z.string().trim().min(1).max(500),
  stream: z.string().min(1).max(200).optional(),
  limit: numeric(z.number().int().min(1).max(100), 'number of hits, an integer 1..100 (default 20)').default(20),
});

export type TimeRangeQuery = z.output<typeof timeRangeQuery>;
export type PageQuery = z.output<typeof pageQuery>;
export type DetectionsQuery = z.output<typeof detectionsQuery>;
export type TranscriptQuery = z.output<typeof transcriptQuery>;
export type EventsQuery = z.output<typeof eventsQuery>;
export type SearchQuery = z.output<typeof searchQuery>;
export type HighlightsQuery = z.output<typeof highlightsQuery>;
export type EmotionsQuery = z.output<typeof emotionsQuery>;
export type SpeakersQuery = z.output<typeof speakersQuery>;

// ---- responses -------------------------------------------------------------------------------------------

const isoTime = z.string().meta({ description: 'wall clock, ISO-8601 UTC (stream time base + media time)' });

export const detectionItem = z.object({
  ptsUs: z.number().int(),
  t: z.number().meta({ description: 'media seconds' }),
  ts: isoTime,
  classId: z.number().int(),
  className: z.string(),
  confidence: z.number(),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).meta({ description: '[x1, y1, x2, y2] pixels' }),
  trackId: z.number().int().nullable(),
});

export const transcriptItem = z.object({
  startS: z.number(),
  endS: z.number(),
  ts: isoTime,
  text: z.string(),
  confidence: z.number().nullable(),
  speakerId: z.string().nullable(),
  isSilence: z.boolean(),
  prosody: z.record(z.string(), z.unknown()).nullable(),
});

export const eventItem = z.object({
  startS: z.number(),
  endS: z.number(),
  ts: isoTime,
  description: z.string(),
  tags: z.array(z.string()),
  clipWorthyScore: z.number(),
  model: z.string(),
});

export const highlightItem = z.object({
  startS: z.number(),
  endS: z.number(),
  peakS: z.number().nullable().meta({ description: 'media second the score peaked in (its centre)' }),
  ts: isoTime,
  score: z.number(),
  contributions: z.record(z.string(), z.number()).meta({ description: 'each signal\'s weighted share of the score (vlm, arousal, keyword, emotion, new_track, crowd, motion, scene)' }),
  title: z.string(),
  clipUri: z.string().nullable(),
  clipKey: z.string().nullable().meta({ description: 'the clip\'s object key in the object store' }),
  clipId: z.string().nullable().meta({ description: 'the clip (GET /v1/streams/{id}/clips/{clipId}/video.mp4)' }),
});

export const emotionItem = z.object({
  ptsUs: z.number().int(),
  t: z.number().meta({ description: 'media seconds' }),
  ts: isoTime,
  faceIdx: z.number().int(),
  emotion: z.string(),
  confidence: z.number(),
  scores: z.record(z.string(), z.number()),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
  trackId: z.number().int().nullable(),
});

export const speakerTurnItem = z.object({
  startS: z.number(),
  endS: z.number(),
  ts: isoTime,
  speakerId: z.string(),
  similarity: z.number().nullable().meta({ description: "cosine similarity to the speaker's centroid when linked across windows" }),
});

export const speakerSummary = z.object({
  speakerId: z.string(),
  turns: z.number().int(),
  talkS: z.number(),
  firstS: z.number(),
  lastS: z.number(),
});

export const searchHit = z.object({
  streamId: z.string(),
  kind: z.string().meta({ description: "what matched: 'transcript' or 'event'" }),
  startS: z.number(),
  endS: z.number(),
  ts: isoTime,
  snippet: z.string().meta({ description: 'the matching text with the matched words in «…»' }),
  rank: z.number(),
});

export const streamItem = z.object({
  streamId: z.string(),
  source: z.string(),
  startedAt: isoTime,
  metadata: z.record(z.string(), z.unknown()),
});

/** A page of items; `nextCursor` is null on the last page. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const searchResult = z.object({ hits: z.array(searchHit) });

export type DetectionItem = z.output<typeof detectionItem>;
export type TranscriptItem = z.output<typeof transcriptItem>;
export type EventItem = z.output<typeof eventItem>;
export type SearchHit = z.output<typeof searchHit>;
export type HighlightItem = z.output<typeof highlightItem>;
export type EmotionItem = z.output<typeof emotionItem>;
export type SpeakerTurnItem = z.output<typeof speakerTurnItem>;
export type SpeakerSummary = z.output<typeof speakerSummary>;
export type StreamItem = z.output<typeof streamItem>;
export interface Page<T> { items: T[]; nextCursor: string | null }
