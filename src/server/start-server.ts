/**
 * `video-agent serve`: one process, many streams. Opens the runtime (store + inference, shared by every
 * stream), Redis when REDIS_URL is set (results, media for remote stages, `state`, and the live feed
 * read back from it), the supervisor with the config's streams, and the API. `close()` is the graceful
 * shutdown: stop accepting, stop every stream (sessions stop, stages drain), flush the store, close.
 */
import tls from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { VideoAgentError } from '../errors';
import { childLogger } from '../obs/logger';
import { openRuntime, type Runtime } from '../analyze/runtime';
import { openRedis, type RedisConnection } from '../analyze/redis';
import { MODEL_NAMES } from '../runpod/contracts';
import type { GraphTopic, TopicMessages } from '../topics';
import type { ServeConfig } from './config/server-config';
import { ApiKeys } from './auth/api-keys';
import { Sessions } from './auth/sessions';
import { buildApp, type Extra } from './app';
import { LocalLiveFeed, type LiveFeed } from './live/live-feed';
import { RedisLiveFeed } from './live/redis-live-feed';
import { FrameRing } from './frames/frame-ring';
import { LatestDetections } from './frames/latest-detections';
import { Supervisor } from './supervisor/supervisor';
import type { LivekitInjection } from './supervisor/supervised-room';
import { registerServerMetrics, serverCounters } from './server-metrics';
import { liveClientCount } from './routes/live-route';
import { resultRoutes } from './routes/result-routes';
import { StreamDownMonitor } from '../rules/stream-down-monitor';
import { streamKey } from '../bus';
import { CODECS } from '../topics';
import { RESULT_MAXLEN } from '../graph/stream-graph';
import { objectStoreFromEnv } from '../object-store/from-env';
import { recordingLookup } from '../recording/recording-segments';
import type { ReadyCheck, ServerContext } from './server-context';
import { secretEnv } from '../config/secret-env';

const log = childLogger({ component: 'serve' });

export interface StartServerOptions {
  config: ServeConfig;
  env?: Record<string, string | undefined>;
  /** Injected runtime (tests, benchmarks): not closed by the server. */
  runtime?: Runtime;
  extraRoutes?: Extra[];
  /** Stand-ins for the LiveKit source (tests). */
  livekit?: LivekitInjection;
  /** PEM certificate (chain) and key: serve HTTPS and WSS instead of HTTP and WS. */
  tls?: { cert: Buffer | string; key: Buffer | string };
}

export interface RunningServer {
  app: FastifyInstance;
  ctx: ServerContext;
  /** `http://host:port` (or `https://` with TLS) actually bound. */
  url: string;
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startServer(o: StartServerOptions): Promise<RunningServer> {
  const env = o.env ?? process.env;
  const settings = o.config.server;
  const keys = new ApiKeys(secretEnv('VIDEO_AGENT_API_KEY', env));
  if (!keys.enabled && !LOOPBACK.has(settings.host)) {
    throw new VideoAgentError('E_NO_API_KEY', `refusing to listen on ${settings.host} without an API key: set VIDEO_AGENT_API_KEY (comma-separated keys) or bind 127.0.0.1`, { kind: 'config' });
  }
  // Checked before anything opens: a bad certificate fails start-up at once, naming the problem.
  if (o.tls) checkTls(o.tls);
  const closers: (() => Promise<void>)[] = [];
  try {
    const redisUrl = secretEnv('REDIS_URL', env);
    const redis: RedisConnection | null = redisUrl ? await openRedis(redisUrl) : null;
    if (redis) closers.push(() => redis.close());
    const runtime = o.runtime ?? (await openRuntime({ env, dataDir: settings.dataDir }));
    if (!o.runtime) closers.push(() => runtime.close());

    const local = new LocalLiveFeed();
    const feed: LiveFeed = redisUrl ? new RedisLiveFeed(redisUrl) : local;
    if (feed !== local) closers.push(() => feed.close());
    const frames = new FrameRing();
    const dets = new LatestDetections();
    // The last emotions message with faces per stream: the snapshot tags the faces it draws.
    const faces = new Map<string, TopicMessages['emotions']>();
    const skips = serverCounters().skips;
    let downMonitor: StreamDownMonitor | null = null;
    const tap = <T extends GraphTopic>(topic: T, msg: TopicMessages[T]) => {
      if (topic === 'state') downMonitor?.observe(msg as TopicMessages['state']);
      if (topic === 'frames') frames.push(msg as TopicMessages['frames']);
      else if (topic === 'detections') dets.push(msg as TopicMessages['detections']);
      else if (topic === 'emotions' && (msg as TopicMessages['emotions']).faces.length) faces.set(msg.streamId, msg as TopicMessages['emotions']);
      const skipped = (msg as { skipped?: string | null }).skipped;
      if (skipped) skips.inc({ stream_id: msg.streamId, stage: topic === 'detections' ? 'detection' : topic === 'transcripts' ? 'audio' : topic, reason: skipped });
      // With Redis the WebSocket reads everything back from Redis instead, so every replica sees every stream.
      if (feed === local) local.publish(topic, msg);
    };
    // Resolved once: a bad S3_* variable fails start-up, not the first clip.
    const objectStore = objectStoreFromEnv(env, { dataDir: settings.dataDir });
    const supervisor = new Supervisor({
      runtime, bus: redis?.bus, defaults: o.config.defaults,
      policy: { mediaRoots: settings.mediaRoots, allowSchemes: settings.allowSchemes },
      restart: { initialDelayMs: settings.restart.initialDelayS * 1000, maxDelayMs: settings.restart.maxDelayS * 1000 },
      maxStreams: settings.maxStreams, tap, livekit: o.livekit, dataDir: settings.dataDir, objectStore,
    });
    // stream_down rules watch the supervisor's states (a down stream's stages are not running to do it).
    downMonitor = new StreamDownMonitor({
      store: runtime.store.alerts,
      configRules: (id) => { try { return (supervisor.get(id).plan.stageOptions.rules?.rules as unknown[] | undefined) ?? []; } catch { return []; } },
      publish: (a) => {
        tap('alerts', a);
        redis?.bus.publish(streamKey('alerts', a.streamId), CODECS.alerts.encode(a), { maxLen: RESULT_MAXLEN }).catch((err) => log.warn({ err: (err as Error).message }, 'alert not published to Redis'));
      },
    });
    const monitor = downMonitor;
    closers.push(() => monitor.close());
    const readiness = async (): Promise<ReadyCheck[]> => Promise.all([
      timed('database', 2000, async () => { await runtime.store.pool.query('SELECT 1'); return runtime.store.kind; }),
      redis ? timed('bus', 2000, async () => { await redis.bus.streams(); return 'redis'; }) : Promise.resolve({ name: 'bus', ok: true, detail: 'in-process', ms: 0 }),
      timed('endpoints', 100, async () => {
        const open = breakers(runtime).filter((b) => b.state === 'open' || b.state === 'isolated');
        if (open.length) throw new Error(`circuit open: ${open.map((b) => `${b.model}/${b.endpointId}`).join(', ')}`);
        return runtime.localInference ? 'local emulator' : 'runpod';
      }),
    ]);
    const ctx: ServerContext = {
      settings, keys, sessions: new Sessions(), runtime, supervisor, feed, readiness, breakers: () => breakers(runtime),
      latestFrame: (id) => {
        const frame = frames.latest(id);
        if (!frame) return null;
        const e = faces.get(id);
        return { frame, detections: dets.get(id, frame.ptsUs, 2_000_000), emotions: e && Math.abs(e.ptsUs - frame.ptsUs) <= 2_000_000 ? e : null };
      },
      frameNear: (id, pts) => frames.nearest(id, pts),
      objectStore,
      recordingSegments: recordingLookup(settings.dataDir),
    };
    registerServerMetrics({ streams: () => supervisor.list(), store: runtime.store, breakers: () => breakers(runtime), liveClients: liveClientCount });
    // A removed or restarted stream starts its media clock again: its old frames must not pair with new ones.
    const forget = (id: string) => { frames.drop(id); dets.drop(id); faces.delete(id); };
    const app = await buildApp(ctx, [resultRoutes, ...(o.extraRoutes ?? [])]);
    app.addHook('onResponse', async (req) => {
      if ((req.method === 'DELETE' || req.url.endsWith('/restart')) && req.routeOptions.url?.startsWith('/v1/streams/:id')) forget((req.params as { id: string }).id);
    });
    for (const spec of o.config.streams) supervisor.add(spec, 'config');
    const tlsServer = o.tls ? await listenTls(app, o.tls, settings.host, settings.port) : null;
    if (!tlsServer) await app.listen({ host: settings.host, port: settings.port });
    const addr = (tlsServer ?? app.server).address();
    const port = typeof addr === 'object' && addr ? addr.port : settings.port;
    const url = `${tlsServer ? 'https' : 'http'}://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
    if (!keys.enabled) log.warn({ url }, 'no VIDEO_AGENT_API_KEY set: the API is open to this machine only (loopback)');
    log.info({ url, streams: supervisor.size, feed: feed.kind }, 'serving');

    let closing: Promise<void> | null = null;
    const close = (opts: { timeoutMs?: number } = {}) => (closing ??= (async () => {
      const timeoutMs = opts.timeoutMs ?? settings.shutdownTimeoutS * 1000;
      const deadline = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      const drain = (async () => {
        // Stop accepting first (the listener closes; open sockets finish), then drain every stream.
        // The TLS listener stops accepting; its open connections live in fastify's server, which closes them.
        tlsServer?.close();
        const stopHttp = app.close().catch((err) => log.warn({ err }, 'http close failed'));
        await supervisor.stopAll();
        await runtime.store.flush();
        await stopHttp;
      })();
      if ((await Promise.race([drain, deadline])) === 'timeout') log.error({ timeoutMs }, 'shutdown did not finish in time; closing anyway');
      for (const c of closers.reverse()) await c().catch(() => undefined);
    })());
    return { app, ctx, url, close };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

function checkTls(files: { cert: Buffer | string; key: Buffer | string }): void {
  try {
    tls.createSecureContext({ cert: files.cert, key: files.key });
  } catch (err) {
    // OpenSSL's reason ("no start line", "key values mismatch"), never the PEM itself.
    const reason = (err as Error).message.replace(/^error:[0-9A-F]+:/i, '');
    throw new VideoAgentError('E_BAD_TLS', `invalid TLS certificate or key (--tls-cert/--tls-key): ${reason}`, { kind: 'config', cause: err });
  }
}

/**
 * HTTPS and WSS on fastify's own request and upgrade handling: each TLS connection, once its handshake is
 * done, is handed to fastify's HTTP server as a connection (Node's documented way to inject a socket into
 * an http.Server), exactly what `https.createServer` does inside. The app is built once for both modes.
 */
async function listenTls(app: FastifyInstance, files: { cert: Buffer | string; key: Buffer | string }, host: string, port: number): Promise<tls.Server> {
  await app.ready();
  const server = tls.createServer({ cert: files.cert, key: files.key, ALPNProtocols: ['http/1.1'] }, (socket) => app.server.emit('connection', socket));
  // A client that fails its handshake (plain HTTP on this port, an untrusted CA) is its own problem.
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => { server.off('error', reject); resolve(); });
  });
  return server;
}

function breakers(rt: Runtime): { model: string; endpointId: string; state: string }[] {
  const out: { model: string; endpointId: string; state: string }[] = [];
  const client = rt.runpod;
  for (const model of MODEL_NAMES) {
    for (const endpointId of client.config.models[model]?.endpointIds ?? []) out.push({ model, endpointId, state: client.circuitState(endpointId) });
  }
  return out;
}

async function timed(name: string, timeoutMs: number, fn: () => Promise<string>): Promise<ReadyCheck> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([fn(), new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); })]);
    return { name, ok: true, detail, ms: Date.now() - t0 };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message, ms: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}
