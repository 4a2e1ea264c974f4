/**
 * `/v1/streams/:id/clips`: cut a media range of a stream into an MP4 + poster in the object store
 * (src/clips), and list a stream's clips. A file stream is cut from its source file (confined to the media
 * roots again: the row may predate a config change); a live stream from its recording, when this server
 * has one (ctx.recordingSegments).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ClipSource, exportClip, listClips, MAX_CLIP_S, publicUrl, publishClip, type StoredClip } from '../../clips';
import { VideoAgentError } from '../../errors';
import { resolveSource } from '../../ingest/source';
import { streamExists } from '../../results';
import { errorBody, sendError } from '../http/error-reply';
import type { ServerContext } from '../server-context';
import { confineSource } from '../sources/confine-source';
import { streamParams } from './stream-routes';
import { sendFileRange } from '../http/send-file-range';
import { fileURLToPath } from 'node:url';

const errors = { 400: errorBody, 401: errorBody, 404: errorBody, 409: errorBody, 429: errorBody, 500: errorBody, 503: errorBody, 504: errorBody };
/** Exports are CPU-bound (a re-encode uses every core): more at once only makes each slower. */
const MAX_CONCURRENT_EXPORTS = 2;

const clipBody = z.strictObject({
  from: z.number().min(0).describe('media seconds'),
  to: z.number().min(0).describe('media seconds, after from; at most 600 s after it'),
  posterAt: z.number().min(0).optional().describe('media seconds of the poster frame (default: the middle)'),
  highlightPtsUs: z.number().int().min(0).optional().describe('the highlight this clip is cut for'),
});

const clipItem = z.object({
  clipId: z.string(),
  streamId: z.string(),
  ts: z.string().describe('wall time of from'),
  startS: z.number().describe('requested from, media seconds'),
  endS: z.number(),
  highlightPtsUs: z.number().nullable(),
  objectKey: z.string(),
  url: z.string().describe('presigned GET (S3) or file:// URL'),
  posterKey: z.string().nullable(),
  posterUrl: z.string().nullable(),
  sizeBytes: z.number(),
  durationS: z.number(),
  mode: z.enum(['remux', 'reencode']),
  source: z.enum(['file', 'recording']),
  exportMs: z.number(),
});
const createdClip = clipItem.extend({
  actualStartS: z.number().describe('a remux starts at the key frame at or before from'),
  actualEndS: z.number(),
  uploadMs: z.number(),
});

type ClipItem = z.infer<typeof clipItem>;

function item(c: Omit<StoredClip, 'createdAt'>, posterUrl: string | null): ClipItem {
  return {
    clipId: c.clipId, streamId: c.streamId, ts: new Date(c.ts).toISOString(), startS: c.startUs / 1e6, endS: c.endUs / 1e6,
    highlightPtsUs: c.highlightPtsUs, objectKey: c.objectKey, url: c.url, posterKey: c.posterKey, posterUrl,
    sizeBytes: c.sizeBytes, durationS: c.durationS, mode: c.mode, source: c.source, exportMs: c.exportMs,
  };
}

function noMedia(id: string, why: string): VideoAgentError {
  return new VideoAgentError('E_CLIP_NO_MEDIA', `stream '${id}' has no media to cut a clip from: ${why}`, { kind: 'conflict' });
}

export async function clipRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const pool = ctx.runtime.store.pool;
  let running = 0;

  /** The stream's source as given when it was added: the running plan's, else the streams row's. */
  const sourceOf = async (id: string): Promise<string | null> => {
    try {
      return ctx.supervisor.get(id).plan.input;
    } catch {
      const row = await pool.query<{ source: string }>('SELECT source FROM streams WHERE stream_id = $1', [id]);
      if (row.rows.length > 0) return row.rows[0]!.source;
      if (ctx.supervisor.has(id)) return null; // a LiveKit room: its participants are the streams
      throw new VideoAgentError('E_UNKNOWN_STREAM', `no stream '${id}' (neither running here nor in the database)`, { kind: 'not_found' });
    }
  };

  const clipSource = async (id: string, fromUs: number, toUs: number): Promise<ClipSource> => {
    const input = await sourceOf(id);
    const isUrl = input !== null && /^[a-z][a-z0-9+.-]*:\/\//i.test(input) && !/^file:/i.test(input);
    if (input !== null && !isUrl) {
      try {
        const info = resolveSource(confineSource(input, { mediaRoots: ctx.settings.mediaRoots, allowSchemes: ctx.settings.allowSchemes }));
        if (info.kind === 'file') return { kind: 'file', path: info.path };
      } catch (err) {
        throw noMedia(id, (err as Error).message); // the file is gone or no longer allowed
      }
    }
    if (!ctx.recordingSegments) throw noMedia(id, 'it is live and this server keeps no recording of it');
    const segments = await ctx.recordingSegments(id, fromUs, toUs);
    if (segments.length === 0) throw noMedia(id, `no recording covers ${fromUs / 1e6}..${toUs / 1e6} s`);
    return { kind: 'segments', segments };
  };

  r.post('/v1/streams/:id/clips', {
    schema: {
      summary: 'Cut [from, to] (media seconds) into an MP4 (faststart) + poster JPEG in the object store; returns the clip', tags: ['clips'],
      params: streamParams, body: clipBody, response: { 200: createdClip, ...errors },
    },
  }, async (req, reply) => {
    const id = req.params.id;
    const { from, to, posterAt, highlightPtsUs } = req.body;
    if (to <= from) return sendError(reply, 400, 'E_CLIP_BAD_RANGE', `body.to (${to}) must be after body.from (${from})`, 'body.to');
    if (to - from > MAX_CLIP_S) return sendError(reply, 400, 'E_CLIP_BAD_RANGE', `body.to: the range is ${(to - from).toFixed(1)} s; a clip is at most ${MAX_CLIP_S} s`, 'body.to');
    if (posterAt !== undefined && (posterAt < from || posterAt > to)) return sendError(reply, 400, 'E_CLIP_BAD_RANGE', `body.posterAt must lie within [${from}, ${to}]`, 'body.posterAt');
    if (!ctx.supervisor.has(id) && !(await streamExists(pool, id))) {
      throw new VideoAgentError('E_UNKNOWN_STREAM', `no stream '${id}' (neither running here nor in the database)`, { kind: 'not_found' });
    }
    const store = ctx.objectStore;
    if (!store) throw new VideoAgentError('E_NO_OBJECT_STORE', 'this server has no object store for clips', { kind: 'unreachable', retryable: false });
    const fromUs = Math.round(from * 1e6);
    const toUs = Math.round(to * 1e6);
    const source = await clipSource(id, fromUs, toUs);
    if (running >= MAX_CONCURRENT_EXPORTS) throw new VideoAgentError('E_CLIP_BUSY', `${running} clip exports are running; try again shortly`, { kind: 'rate_limited' });
    const started = (await pool.query<{ started_at: Date }>('SELECT started_at FROM streams WHERE stream_id = $1', [id])).rows[0]?.started_at.getTime();
    running++;
    try {
      // publishClip removes the export's temp files whatever happens: nothing may come between the two.
      const clip = await exportClip(source, { fromS: from, toS: to, posterAtS: posterAt });
      const c = await publishClip(pool, store, clip, {
        streamId: id, fromUs, toUs, streamStartMs: started ?? Date.now() - toUs / 1000, source: source.kind === 'file' ? 'file' : 'recording', highlightPtsUs,
      });
      return { ...item(c, c.posterUrl), actualStartS: c.actualStartUs / 1e6, actualEndS: c.actualEndUs / 1e6, uploadMs: c.uploadMs };
    } finally {
      running--;
    }
  });

  // The clip's bytes through the API (auth applies): a folder store is served with range requests, an S3
  // store answers with a fresh presigned URL (the bytes never pass through this server).
  r.get('/v1/streams/:id/clips/:clipId/:file', {
    schema: {
      summary: 'A clip\'s MP4 or poster JPEG (range requests; S3: a redirect to a presigned URL)', tags: ['clips'],
      params: z.object({ id: streamParams.shape.id, clipId: z.string().min(1).max(300), file: z.enum(['video.mp4', 'poster.jpg']) }),
      response: { ...errors },
    },
  }, async (req, reply) => {
    const store = ctx.objectStore;
    if (!store) throw new VideoAgentError('E_NO_OBJECT_STORE', 'this server has no object store for clips', { kind: 'unreachable', retryable: false });
    const c = (await listClips(pool, req.params.id)).find((x) => x.clipId === req.params.clipId);
    if (!c) throw new VideoAgentError('E_UNKNOWN_CLIP', `stream '${req.params.id}' has no clip '${req.params.clipId}'`, { kind: 'not_found' });
    const key = req.params.file === 'video.mp4' ? c.objectKey : c.posterKey;
    if (!key) throw new VideoAgentError('E_UNKNOWN_CLIP', `clip '${c.clipId}' has no poster`, { kind: 'not_found' });
    const url = await store.url(key);
    if (store.kind === 's3') return reply.redirect(publicUrl(url), 302);
    return sendFileRange(req, reply, fileURLToPath(url), req.params.file === 'video.mp4' ? 'video/mp4' : 'image/jpeg');
  });

  r.get('/v1/streams/:id/clips', {
    schema: { summary: 'The clips of a stream, by start time', tags: ['clips'], params: streamParams, response: { 200: z.object({ items: z.array(clipItem) }), ...errors } },
  }, async (req) => {
    const id = req.params.id;
    if (!ctx.supervisor.has(id) && !(await streamExists(pool, id))) {
      throw new VideoAgentError('E_UNKNOWN_STREAM', `no stream '${id}' (neither running here nor in the database)`, { kind: 'not_found' });
    }
    const store = ctx.objectStore;
    const clips = await listClips(pool, id);
    // Presigned URLs expire: hand out fresh ones when the store can make them.
    const items = await Promise.all(clips.map(async (c) => {
      if (!store) return item(c, null);
      const url = store.kind === 's3' ? publicUrl(await store.url(c.objectKey)) : c.url;
      return item({ ...c, url }, c.posterKey ? publicUrl(await store.url(c.posterKey)) : null);
    }));
    return { items };
  });
}
