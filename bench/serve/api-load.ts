/**
 * API under load: autocannon (its own process, as a real client would be) on GET /v1/streams/{id}/events
 * while `streams` live streams run with the default stages (stub endpoints at 0 ms). The streams' rates
 * are measured over a window before the load and over the load itself, from the live feed (frames ingested
 * and detections made per second): the load must not slow them. The rate limit is lifted for the run so
 * the route is measured, not the limiter (at the default 1200/min per client nearly every request would be
 * a 429).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startRtspServer } from '../../test/ingest/helpers/rtsp';
import type { Runtime } from '../../src/analyze/runtime';
import { fmt, openLive, sleep, startServe, table, waitRunning, type Arrival } from './harness';

const AUTOCANNON = path.resolve(__dirname, '..', '..', 'node_modules', 'autocannon', 'autocannon.js');

interface AutocannonJson {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

export interface ApiLoadResult {
  connections: number;
  durationS: number;
  p50: number;
  p99: number;
  max: number;
  rps: number;
  total: number;
  non2xx: number;
  errors: number;
  /** Per second, summed over streams: [before, during]. */
  frames: [number, number];
  detections: [number, number];
  /** Lowest per-stream during/before frame-rate ratio. */
  minStreamRatio: number;
}

function runAutocannon(url: string, connections: number, durationS: number): Promise<AutocannonJson> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AUTOCANNON, '-c', String(connections), '-d', String(durationS), '-j', '-n', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(out) as AutocannonJson);
      } catch {
        reject(new Error(`autocannon exited ${code} without JSON: ${err.slice(-500)}`));
      }
    });
  });
}

export async function apiLoad(rt: Runtime, clip: string, streams: number, fps: number, connections: number, durationS: number): Promise<ApiLoadResult> {
  const rtsp = await startRtspServer({ file: clip, audio: true });
  const ids = Array.from({ length: streams }, (_, i) => `api-${i}`);
  const server = await startServe(rt, { url: rtsp.url, ids, fps, rateLimitMax: 1_000_000 });
  // Per stream: frames and detections counted in the current phase.
  let phase: 'before' | 'during' | null = null;
  const counts = { before: new Map<string, { f: number; d: number }>(), during: new Map<string, { f: number; d: number }>() };
  const onMessage = (m: Arrival) => {
    if (!phase || m.body.skipped) return;
    const c = counts[phase].get(m.streamId) ?? { f: 0, d: 0 };
    if (m.topic === 'frames') c.f++;
    else c.d++;
    counts[phase].set(m.streamId, c);
  };
  let live: Awaited<ReturnType<typeof openLive>> | null = null;
  let ac: AutocannonJson;
  let loadS = durationS;
  const beforeS = Math.max(5, durationS);
  try {
    live = await openLive(server, ['frames', 'detections'], onMessage);
    await waitRunning(server);
    await sleep(3000);
    // Events exist to page through once the first VLM window is described; the route is timed either way.
    phase = 'before';
    await sleep(beforeS * 1000);
    phase = 'during';
    const t0 = Date.now();
    ac = await runAutocannon(`${server.url}/v1/streams/${ids[0]}/events?limit=50`, connections, durationS);
    loadS = (Date.now() - t0) / 1000;
    phase = null;
    if (live.closedEarly()) throw new Error(`live socket ${live.closedEarly()}`);
  } finally {
    await live?.close();
    await server.close({ timeoutMs: 20_000 });
    await rtsp.kill();
  }
  const sum = (m: Map<string, { f: number; d: number }>, k: 'f' | 'd') => [...m.values()].reduce((s, c) => s + c[k], 0);
  const ratios = ids.map((id) => ((counts.during.get(id)?.f ?? 0) / loadS) / ((counts.before.get(id)?.f ?? 0) / beforeS));
  return {
    connections, durationS, p50: ac.latency.p50, p99: ac.latency.p99, max: ac.latency.max, rps: ac.requests.average, total: ac.requests.total,
    non2xx: ac.non2xx, errors: ac.errors + ac.timeouts,
    frames: [sum(counts.before, 'f') / beforeS, sum(counts.during, 'f') / loadS],
    detections: [sum(counts.before, 'd') / beforeS, sum(counts.during, 'd') / loadS],
    minStreamRatio: Math.min(...ratios),
  };
}

export function apiTable(r: ApiLoadResult): string {
  return [
    table(['GET /v1/streams/{id}/events', 'connections', 'p50 ms', 'p99 ms', 'max ms', 'req/s', 'requests', 'non-2xx', 'errors'],
      [['autocannon', r.connections, fmt(r.p50, 1), fmt(r.p99, 1), fmt(r.max), fmt(r.rps), r.total, r.non2xx, r.errors]]),
    '',
    table(['streams (sum, per s)', 'before load', 'during load', 'during/before'], [
      ['frames ingested', fmt(r.frames[0], 1), fmt(r.frames[1], 1), fmt(r.frames[1] / r.frames[0], 2)],
      ['detections made', fmt(r.detections[0], 1), fmt(r.detections[1], 1), fmt(r.detections[1] / r.detections[0], 2)],
    ]),
  ].join('\n');
}
