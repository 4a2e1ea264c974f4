/**
 * The server's Prometheus view, read from the supervisor and the store at scrape time (nothing per frame
 * except the skip and live counters): per stream (state, ingest fps, dropped, lag, reconnects, restarts,
 * stage queue high-water marks), per endpoint (breaker state; calls, latency, errors and USD are counted by
 * src/runpod/metrics.ts), store (queued rows, spool, database reachable), WebSocket clients. All on the one
 * registry. Series an alert or dashboard query divides by are created at zero up front: a counter that only
 * appears on its first increment leaves `rate()` with no data, which reads as "fine" instead of "0".
 */
import { Counter, Gauge } from 'prom-client';
import { registry } from '../obs/metrics';
import { runpodMetrics } from '../runpod/metrics';
import type { Store } from '../store';
import type { StreamView } from './supervisor/supervised-stream';
import { STREAM_STATES } from '../topics';

export interface ServerMetricsSources {
  streams: () => StreamView[];
  store: Store;
  /** Circuit state per endpoint id. */
  breakers: () => { model: string; endpointId: string; state: string }[];
  liveClients: () => number;
}

let live: { dropped: Counter<'reason'>; sent: Counter; skips: Counter<'stream_id' | 'stage' | 'reason'> } | null = null;
let sources: ServerMetricsSources | null = null;

/** Counters the live path and the taps increment (created once per process). */
export function serverCounters(): NonNullable<typeof live> {
  live ??= {
    dropped: new Counter({ name: 'video_agent_live_clients_closed_total', help: 'WebSocket clients closed by the server, by reason (slow, auth…)', labelNames: ['reason'] as const, registers: [registry] }),
    sent: new Counter({ name: 'video_agent_live_messages_sent_total', help: 'Messages sent to WebSocket clients', registers: [registry] }),
    skips: new Counter({ name: 'video_agent_stage_skips_total', help: 'Media a stage did not analyse, by stream, stage and reason', labelNames: ['stream_id', 'stage', 'reason'] as const, registers: [registry] }),
  };
  // The one reason the server closes clients for (live-route.ts): present at 0 so rate() reads 0, not nothing.
  live.dropped.inc({ reason: 'slow' }, 0);
  return live;
}

/** Registers the scrape-time gauges once; later calls (tests starting several servers) swap the sources. */
export function registerServerMetrics(s: ServerMetricsSources): void {
  serverCounters();
  zeroEndpointCalls(s);
  if (sources) { sources = s; return; }
  sources = s;
  const per = (name: string, help: string, pick: (v: StreamView) => number | null | undefined) =>
    new Gauge({
      name: `video_agent_stream_${name}`, help, labelNames: ['stream_id'] as const, registers: [registry],
      collect() {
        this.reset();
        for (const v of sources!.streams()) {
          const n = pick(v);
          if (n !== null && n !== undefined && Number.isFinite(n)) this.set({ stream_id: v.id }, n);
        }
      },
    });
  new Gauge({
    name: 'video_agent_stream_state', help: 'Supervised stream state (1 for the current state)', labelNames: ['stream_id', 'state'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const v of sources!.streams()) for (const st of STREAM_STATES) this.set({ stream_id: v.id, state: st }, v.state === st ? 1 : 0);
    },
  });
  per('ingest_fps', 'Sampled frames per second delivered by ingest', (v) => v.ingest?.fps);
  per('ingest_frames', 'Frames ingested in the current run', (v) => v.ingest?.frames);
  per('dropped', 'Samples and buffers dropped upstream (live sources falling behind)', (v) => v.ingest?.dropped);
  per('lag_ms', 'Wall-clock lag of the latest frame (live sources)', (v) => v.ingest?.lagMs);
  per('reconnects', 'Reconnects of the live source in the current run', (v) => v.ingest?.reconnects);
  per('restarts', 'Supervisor restarts after failures', (v) => v.restarts);
  new Gauge({
    name: 'video_agent_stage_queue_high_water', help: 'Highest queue depth a stage reached, by stream and stage', labelNames: ['stream_id', 'stage'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const v of sources!.streams()) {
        for (const [stage, st] of Object.entries(v.stageStats)) {
          const hw = (st as { queueHighWater?: number }).queueHighWater;
          if (typeof hw === 'number') this.set({ stream_id: v.id, stage }, hw);
        }
      }
    },
  });
  new Gauge({
    name: 'video_agent_endpoint_breaker_open', help: 'Circuit breaker state per endpoint (1 = open or isolated)', labelNames: ['model', 'endpoint', 'state'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const b of sources!.breakers()) this.set({ model: b.model, endpoint: b.endpointId, state: b.state }, b.state === 'closed' ? 0 : 1);
    },
  });
  new Gauge({
    name: 'video_agent_store_spooled_rows', help: 'Rows written to the spool while the database was unreachable, by table', labelNames: ['table'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const [table, st] of Object.entries(sources!.store.stats())) this.set({ table }, st.spooled - st.replayed);
    },
  });
  new Gauge({
    name: 'video_agent_store_database_up', help: 'Whether the database answered SELECT 1 within 2 s at scrape time (1) or not (0)', registers: [registry],
    async collect() { this.set(await databaseAnswers(sources!.store)); },
  });
  new Gauge({
    name: 'video_agent_live_clients', help: 'Connected WebSocket clients', registers: [registry],
    collect() { this.set(sources!.liveClients()); },
  });
}

/** Each configured endpoint's call counter at 0 for both outcomes (and each model's cache hits), so the error ratio exists before the first error. */
function zeroEndpointCalls(s: ServerMetricsSources): void {
  for (const b of s.breakers()) {
    for (const outcome of ['ok', 'error']) runpodMetrics.calls.inc({ model: b.model, endpoint: b.endpointId, outcome }, 0);
    runpodMetrics.cacheHits.inc({ model: b.model }, 0);
  }
}

/** 1 when the store's pool answers `SELECT 1` within `timeoutMs` (the /readyz check's bound), else 0. */
export async function databaseAnswers(store: Pick<Store, 'pool'>, timeoutMs = 2000): Promise<0 | 1> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([store.pool.query('SELECT 1'), new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error('timeout')), timeoutMs); })]);
    return 1;
  } catch {
    return 0;
  } finally {
    clearTimeout(timer);
  }
}
