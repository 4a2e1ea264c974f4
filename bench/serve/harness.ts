/**
 * What every bench/serve measurement shares: the runtime (store on PostgreSQL in its own schema, RunPod
 * client on an in-process emulator whose stub endpoints take a chosen time per call), one `serve`
 * (startServer, in this process) over N streams of one RTSP mount, and a WebSocket client on /v1/live
 * that timestamps every message on arrival.
 */
import os from 'node:os';
import WebSocket from 'ws';
import { openRuntime, type Runtime } from '../../src/analyze/runtime';
import { startLocalInference, type LocalInference } from '../../src/runpod';
import { openStore, type Store } from '../../src/store';
import { serveConfigSchema } from '../../src/server/config/server-config';
import { startServer, type RunningServer } from '../../src/server/start-server';
import type { StreamView } from '../../src/server/supervisor/stream-view';

export const DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SCHEMA = 'bench_serve';

/** Milliseconds per call of each stub endpoint (the models the default stages call). */
export interface StubLatencies { yolo: number; whisper: number; vlm: number }

export interface BenchRuntime {
  runtime: Runtime;
  store: Store;
  inference: LocalInference;
  close(): Promise<void>;
}

/** A fresh schema on the shared PostgreSQL, the emulator with stub endpoints, and a runtime over both. */
export async function openBenchRuntime(latency: StubLatencies, maxWorkers = 32, schema = SCHEMA): Promise<BenchRuntime> {
  const admin = await openStore({ databaseUrl: DB, migrate: false });
  await admin.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.close();
  const store = await openStore({ databaseUrl: DB, schema });
  const stub = (model: keyof StubLatencies) => ({ backend: 'stub' as const, model, maxWorkers, stub: { baseMs: latency[model], perItemMs: 0 } });
  const inference = await startLocalInference({ env: {}, emulator: { endpoints: { yolo: stub('yolo'), whisper: stub('whisper'), vlm: stub('vlm') } } });
  const runtime = await openRuntime({ store, runpod: inference.client.runpod, env: {} });
  return {
    runtime, store, inference,
    async close() {
      await runtime.close();
      await inference.close();
      await store.close();
    },
  };
}

/** Drops the benchmark schema (called once at the end). */
export async function dropBenchSchema(schema = SCHEMA): Promise<void> {
  const admin = await openStore({ databaseUrl: DB, migrate: false });
  try {
    await admin.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.close();
  }
}

export interface ServeOptions {
  url: string;
  ids: string[];
  /** undefined: the default stages; []: ingest only. */
  stages?: string[];
  fps: number;
  /** Per-IP requests per minute (the API load test lifts it so it measures the route, not the limiter). */
  rateLimitMax?: number;
}

/** One serve over `ids` streams, all reading the same RTSP mount. */
export async function startServe(rt: Runtime, o: ServeOptions): Promise<RunningServer> {
  const config = serveConfigSchema.parse({
    server: {
      host: '127.0.0.1', port: 0, mediaRoots: [os.tmpdir()], maxStreams: 1024, dataDir: os.tmpdir(),
      shutdownTimeoutS: 20, liveQueue: 100_000, ...(o.rateLimitMax ? { rateLimit: { max: o.rateLimitMax, windowS: 60 } } : {}),
    },
    defaults: { fps: o.fps },
    // The bench's audio is a tone: without the VAD gate it reaches the (stub) ASR, as speech would.
    streams: o.ids.map((id) => ({ id, source: o.url, ...(o.stages ? { stages: o.stages } : {}), stageOptions: { audio: { vad: false } } })),
  });
  return startServer({ config, runtime: rt, env: {} });
}

/** Resolves once every stream is `running` (throws with their states after `timeoutMs`). */
export async function waitRunning(server: RunningServer, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = server.ctx.supervisor.list();
    if (views.every((v) => v.state === 'running' && (v.ingest?.frames ?? 0) > 0)) return;
    if (Date.now() > deadline) throw new Error(`streams not running after ${timeoutMs} ms: ${views.map((v) => `${v.id}=${v.state}${v.lastError ? ` (${v.lastError.message})` : ''}`).join(', ')}`);
    await sleep(200);
  }
}

/** One live message as received: its JSON plus the arrival time (epoch ms). */
export interface Arrival {
  topic: string;
  streamId: string;
  ptsUs: number;
  ts: number;
  at: number;
  body: Record<string, unknown>;
}

/** A /v1/live client; `onMessage` sees every message with its arrival time. */
export async function openLive(server: RunningServer, topics: string[], onMessage: (m: Arrival) => void): Promise<{ close(): Promise<void>; closedEarly: () => string | null }> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/live?topics=${topics.join(',')}`);
  let early: string | null = null;
  let closing = false;
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('message', (data) => {
    const at = Date.now();
    const body = JSON.parse(data.toString()) as Record<string, unknown>;
    if (body.topic === 'hello') return;
    onMessage({ topic: String(body.topic), streamId: String(body.streamId), ptsUs: Number(body.pts_us), ts: Number(body.ts), at, body });
  });
  ws.on('close', (code, reason) => { if (!closing) early = `closed ${code} ${reason.toString()}`; });
  return {
    closedEarly: () => early,
    close: () => new Promise<void>((resolve) => {
      closing = true;
      if (ws.readyState === ws.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close();
    }),
  };
}

export function views(server: RunningServer): StreamView[] {
  return server.ctx.supervisor.list();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export { quantile } from '../ingest/stats';

export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** A fixed-width text table. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(cells[0]), w.map((n) => '-'.repeat(n)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
