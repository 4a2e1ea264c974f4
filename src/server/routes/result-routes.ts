/**
 * Results of one stream (time ranges, filters, cursor pages; src/results), full-text search across streams,
 * the annotated snapshot, and `ask`. A stream is known when this server runs it or the database has it
 * (results outlive a removed stream).
 */
import { publicUrl } from '../../clips/clip-store';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { VideoAgentError } from '../../errors';
import {
  detectionItem, detectionsQuery, listSpeakerTurns, summariseSpeakers, speakerSummary, speakerTurnItem, speakersQuery, emotionItem, emotionsQuery, highlightItem, highlightsQuery, listEmotions, listHighlights, eventItem, eventsQuery, listDetections, listEvents, listTranscript, page, searchQuery, searchResult,
  searchText, streamExists, timeBound, toSrt, toVtt, transcriptItem, transcriptQuery, type TimeBound, type TranscriptItem,
} from '../../results';
import { answerQuestion } from '../ask';
import { drawDetections } from '../snapshot/draw-detections';
import { endpointCallRow } from '../../stages/common/outcomes';
import { errorBody } from '../http/error-reply';
import type { ServerContext } from '../server-context';
import { streamParams } from './stream-routes';

const errors = { 400: errorBody, 401: errorBody, 404: errorBody, 429: errorBody };
/** A subtitle file is the whole transcript: pages are walked server-side up to this many segments. */
const MAX_SUBTITLE_SEGMENTS = 200_000;

const askBody = z.strictObject({
  question: z.string().trim().min(1).max(2000),
  from: timeBound.optional(),
  to: timeBound.optional(),
  maxMoments: z.number().int().min(1).max(16).optional(),
});
const askAnswer = z.object({
  answer: z.string(),
  citations: z.array(z.object({ startS: z.number(), endS: z.number(), kind: z.string(), text: z.string() })),
  model: z.string(),
  local: z.boolean().describe('true: answered by the local rule-based captioner / extractively, not a VLM'),
  framesUsed: z.number().int(),
  retrieval: z.string(),
  note: z.string().optional(),
});

export async function resultRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const pool = ctx.runtime.store.pool;
  const known = async (id: string) => {
    if (ctx.supervisor.has(id) || (await streamExists(pool, id))) return;
    throw new VideoAgentError('E_UNKNOWN_STREAM', `no stream '${id}' (neither running here nor in the database)`, { kind: 'not_found' });
  };

  r.get('/v1/streams/:id/detections', {
    schema: { summary: 'Detections (with track ids) by media time', tags: ['results'], params: streamParams, querystring: detectionsQuery, response: { 200: page(detectionItem), ...errors } },
  }, async (req) => { await known(req.params.id); return listDetections(pool, req.params.id, req.query); });

  r.get('/v1/streams/:id/transcript', {
    schema: {
      summary: 'Transcript segments; format=srt|vtt returns the whole range as a subtitle file', tags: ['results'],
      params: streamParams, querystring: transcriptQuery, response: { 200: page(transcriptItem).or(z.string()), ...errors },
    },
  }, async (req, reply) => {
    await known(req.params.id);
    const { format, ...q } = req.query;
    if (format === 'json') return listTranscript(pool, req.params.id, q);
    const items: TranscriptItem[] = [];
    let cursor: string | undefined = q.cursor;
    do {
      const p = await listTranscript(pool, req.params.id, { ...q, cursor, limit: 1000 });
      items.push(...p.items);
      cursor = p.nextCursor ?? undefined;
    } while (cursor && items.length < MAX_SUBTITLE_SEGMENTS);
    reply.type(format === 'srt' ? 'application/x-subrip; charset=utf-8' : 'text/vtt; charset=utf-8');
    reply.header('content-disposition', `inline; filename="${req.params.id}.${format}"`);
    return format === 'srt' ? toSrt(items) : toVtt(items);
  });

  r.get('/v1/streams/:id/events', {
    schema: { summary: 'VLM events (descriptions, tags, clip-worthiness) by media time', tags: ['results'], params: streamParams, querystring: eventsQuery, response: { 200: page(eventItem), ...errors } },
  }, async (req) => { await known(req.params.id); return listEvents(pool, req.params.id, req.query); });

  r.get('/v1/streams/:id/highlights', {
    schema: { summary: 'Highlights (scored moments, with their clip when made) by media time', tags: ['results'], params: streamParams, querystring: highlightsQuery, response: { 200: page(highlightItem), ...errors } },
  }, async (req) => {
    await known(req.params.id);
    const page = await listHighlights(pool, req.params.id, req.query);
    // Presigned URLs expire: an S3 store signs each clip again for this answer.
    const store = ctx.objectStore;
    if (store?.kind === 's3') {
      for (const it of page.items) if (it.clipKey) it.clipUri = publicUrl(await store.url(it.clipKey));
    }
    return page;
  });

  r.get('/v1/streams/:id/emotions', {
    schema: { summary: 'Facial emotions (per face, with track ids) by media time', tags: ['results'], params: streamParams, querystring: emotionsQuery, response: { 200: page(emotionItem), ...errors } },
  }, async (req) => { await known(req.params.id); return listEmotions(pool, req.params.id, req.query); });

  r.get('/v1/streams/:id/speakers', {
    schema: {
      summary: 'Speaker turns (stream-wide speaker ids from the diarization stage) and, per speaker, talk time and turns', tags: ['results'],
      params: streamParams, querystring: speakersQuery, response: { 200: page(speakerTurnItem).extend({ speakers: z.array(speakerSummary) }), ...errors },
    },
  }, async (req) => {
    await known(req.params.id);
    const [turns, speakers] = await Promise.all([listSpeakerTurns(pool, req.params.id, req.query), summariseSpeakers(pool, req.params.id, req.query)]);
    return { ...turns, speakers };
  });

  r.get('/v1/search', {
    schema: { summary: 'Full-text search over transcripts and event descriptions', tags: ['results'], querystring: searchQuery, response: { 200: searchResult, ...errors } },
  }, async (req) => ({ hits: await searchText(pool, req.query) }));

  r.get('/v1/streams/:id/snapshot.jpg', {
    schema: { summary: 'The latest sampled frame with boxes, classes and track ids drawn', tags: ['results'], params: streamParams, produces: ['image/jpeg'] },
  }, async (req, reply) => {
    const latest = ctx.latestFrame(req.params.id);
    if (!latest) throw new VideoAgentError('E_NO_FRAME', `no frame of stream '${req.params.id}' yet (snapshots come from streams running on this server)`, { kind: 'not_found' });
    // Faces from the emotion stage (when it runs) are drawn with their expression, in the person's colour.
    const faces = (latest.emotions?.faces ?? []).map((f) => ({ bbox: f.bbox, confidence: f.confidence, classId: -1, className: `face: ${f.emotion}`, trackId: f.trackId }));
    const jpeg = await drawDetections(latest.frame.jpeg, latest.frame, [...(latest.detections?.detections ?? []), ...faces]);
    reply.type('image/jpeg').header('cache-control', 'no-store').header('x-frame-pts-us', String(latest.frame.ptsUs));
    return reply.send(jpeg);
  });

  r.post('/v1/streams/:id/ask', {
    schema: { summary: 'Ask a question: retrieval (full text + time window) and frames of the best moments → the VLM; the answer cites time ranges', tags: ['results'], params: streamParams, body: askBody, response: { 200: askAnswer, ...errors } },
  }, async (req) => {
    const id = req.params.id;
    await known(id);
    const base = (await pool.query<{ started_at: Date }>('SELECT started_at FROM streams WHERE stream_id = $1', [id])).rows[0]?.started_at.getTime() ?? Date.now();
    const toUs = (b: TimeBound | undefined) => (b === undefined ? undefined : b.kind === 'media' ? b.us : Math.max(0, Math.round((b.ms - base) * 1000)));
    const t0 = Date.now();
    const ans = await answerQuestion(
      { pool, inference: ctx.runtime.inference, frames: { nearest: (s, pts) => ctx.frameNear(s, pts) }, localModel: ctx.runtime.localInference },
      { streamId: id, question: req.body.question, fromUs: toUs(req.body.from), toUs: toUs(req.body.to), maxMoments: req.body.maxMoments },
    );
    if (ans.model !== 'none') {
      await ctx.runtime.store.recordEndpointCall(endpointCallRow({ streamId: id, endpoint: 'vlm', ptsUs: 0, ok: true, ms: Date.now() - t0, billing: ans.billing }))
        .catch((err) => req.log.warn({ err: (err as Error).message }, 'ask: endpoint call not recorded'));
    }
    const { billing: _billing, ...out } = ans;
    return out;
  });
}
