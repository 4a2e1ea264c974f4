/**
 * WebSocket `GET /v1/live?streams=a,b&topics=detections,transcripts,events,state`: JSON messages
 * `{topic, streamId, …}` straight from the topic codecs (src/topics). Each client has a bounded send queue:
 * a client that falls `liveQueue` messages behind is closed with code 4008 ("client too slow") instead of
 * buffering without bound or slowing anyone else — the pipeline never waits for a socket.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import type {} from '@fastify/websocket';
import { z } from 'zod';
import { childLogger } from '../../obs/logger';
import { streamIdSchema } from '../config/server-config';
import { LIVE_TOPICS, type LiveMessage } from '../live/live-feed';
import { serverCounters } from '../server-metrics';
import type { ServerContext } from '../server-context';
import type { GraphTopic } from '../../topics';

const log = childLogger({ component: 'live' });

export const LIVE_CLOSE_SLOW = 4008;
const DEFAULT_TOPICS: GraphTopic[] = ['detections', 'transcripts', 'events', 'alerts', 'state'];
const HEARTBEAT_MS = 30_000;

const csv = (item: z.ZodType<string>) =>
  z.string().max(4096).transform((s, ctx) => {
    const parts = s.split(',').map((p) => p.trim()).filter(Boolean);
    for (const p of parts) {
      const r = item.safeParse(p);
      if (!r.success) { ctx.addIssue({ code: 'custom', message: `'${p}': ${r.error.issues[0].message}` }); return z.NEVER; }
    }
    return parts;
  });

export const liveQuery = z.object({
  streams: csv(streamIdSchema).optional().describe('comma-separated stream ids (default: every stream)'),
  topics: csv(z.enum(LIVE_TOPICS as [GraphTopic, ...GraphTopic[]]) as unknown as z.ZodType<string>).optional()
    .describe(`comma-separated topics from ${LIVE_TOPICS.join(', ')} (default: ${DEFAULT_TOPICS.join(',')})`),
});

let clients = 0;
export const liveClientCount = (): number => clients;

export async function liveRoute(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const counters = serverCounters();
  r.get('/v1/live', {
    websocket: true,
    schema: { summary: 'Live topics over a WebSocket (JSON messages {topic, streamId, …})', tags: ['live'], querystring: liveQuery },
  }, (socket: WebSocket, req) => {
    const q = req.query as z.infer<typeof liveQuery>;
    const topics = new Set((q.topics?.length ? q.topics : DEFAULT_TOPICS) as GraphTopic[]);
    const streams = q.streams?.length ? new Set(q.streams) : null;
    const max = ctx.settings.liveQueue;
    let pending = 0;
    let closed = false;
    clients++;
    const close = (code: number, reason: string, why: string) => {
      if (closed) return;
      closed = true;
      counters.dropped.inc({ reason: why });
      socket.close(code, reason);
    };
    const send = (m: LiveMessage | string) => {
      if (closed || socket.readyState !== socket.OPEN) return;
      if (pending >= max) {
        log.warn({ reqId: req.id, pending }, 'live client too slow; closing');
        close(LIVE_CLOSE_SLOW, `client too slow: ${pending} messages queued`, 'slow');
        return;
      }
      pending++;
      counters.sent.inc();
      socket.send(typeof m === 'string' ? m : m.data, () => { pending--; });
    };
    const unsubscribe = ctx.feed.subscribe({ streams, topics }, send);
    send(JSON.stringify({ topic: 'hello', streams: streams ? [...streams] : null, topics: [...topics], feed: ctx.feed.kind }));
    let alive = true;
    socket.on('pong', () => { alive = true; });
    const beat = setInterval(() => {
      if (!alive) { socket.terminate(); return; }
      alive = false;
      socket.ping();
    }, HEARTBEAT_MS);
    beat.unref();
    socket.on('close', () => {
      closed = true;
      clients--;
      clearInterval(beat);
      unsubscribe();
    });
    socket.on('message', () => undefined);
  });
}
