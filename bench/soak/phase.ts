/**
 * One soak phase: N streams of one RTSP mount (per-client pipelines of the GstRtspServer fixture) in one
 * serve (bench/serve/harness), ingest-only (stages: []) or with the default stages, sampled every
 * `sampleMs` for `minutes`:
 * - RSS and heap after a forced gc() (bench/run.ts passes --expose-gc; without it RSS is taken as is);
 * - event-loop delay (monitorEventLoopDelay, less its 10 ms timer period) p99 and max per interval; the
 *   monitors are paused around the forced gc() so the bench's own collection is not counted as the server's;
 * - per stream: the supervisor's view (ingest frames, drops, reconnects, lagMs = time since the last frame)
 *   and, from a /v1/live client, how far each frame / detection arrives behind the stream's real-time
 *   clock (arrival − ts, less the stream's smallest frame arrival − ts: the constant connect offset);
 * - detection counters (frames in / detected / skipped / dropped / thinned) from the stage stats.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { startRtspServer } from '../../test/ingest/helpers/rtsp';
import type { Runtime } from '../../src/analyze/runtime';
import { fmt, openLive, startServe, table, views, waitRunning, type Arrival } from '../serve/harness';

export type PhaseMode = 'ingest-only' | 'analysed';

export interface StreamSample {
  id: string;
  state: string;
  frames: number;
  dropped: number;
  reconnects: number;
  restarts: number;
  /** The supervisor's ingest lag (ms since the last frame). */
  ingestLagMs: number;
  /** Largest live-feed lag of a frame or detection in the interval (NaN: no message arrived). */
  liveLagMs: number;
  /** max(ingestLagMs, liveLagMs): the per-stream lag the goal judges. */
  lagMs: number;
  det: { framesIn: number; framesDetected: number; framesSkipped: number; framesDropped: number; framesThinned: number } | null;
}

export interface Sample {
  /** ms since the phase's streams were all running. */
  t: number;
  rssMb: number;
  heapMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** How long the forced gc() took (ms; 0 without --expose-gc). */
  gcMs: number;
  streams: StreamSample[];
}

export interface PhaseResult {
  mode: PhaseMode;
  minutes: number;
  warmupMinutes: number;
  ids: string[];
  samples: Sample[];
  /** Event-loop delay over the whole phase after warm-up (ms). */
  loopAfterWarmup: { p50: number; p99: number; max: number };
  /** Live messages marked `skipped`, by topic:reason. */
  skipped: Record<string, number>;
  interrupted: boolean;
}

export interface PhaseOptions {
  rt: Runtime;
  clip: string;
  mode: PhaseMode;
  streams: number;
  fps: number;
  minutes: number;
  warmupMinutes: number;
  sampleMs: number;
  printEveryMs: number;
  signal: AbortSignal;
  log: (s: string) => void;
}

const gc = (globalThis as { gc?: () => void }).gc;
export const GC_EXPOSED = typeof gc === 'function';
const MB = 2 ** 20;
const RESOLUTION_MS = 10;
/** The monitor records the time between its timer's runs (resolution + delay): the delay is what is left. */
const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : NaN);

interface LiveTrack { offset: number; maxLag: number }

export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const tag = o.mode === 'analysed' ? 'a' : 'i';
  const ids = Array.from({ length: o.streams }, (_, i) => `soak-${tag}${i}`);
  const tracks = new Map<string, LiveTrack>(ids.map((id) => [id, { offset: Infinity, maxLag: -Infinity }]));
  const skipped: Record<string, number> = {};
  const onMessage = (m: Arrival) => {
    const t = tracks.get(m.streamId);
    if (!t || !Number.isFinite(m.ts)) return;
    const skip = m.body.skipped as string | undefined;
    if (skip) { const k = `${m.topic}:${skip}`; skipped[k] = (skipped[k] ?? 0) + 1; return; }
    const d = m.at - m.ts;
    if (m.topic === 'frames') t.offset = Math.min(t.offset, d);
    // Transcripts and events trail their ts by their window by design (bench/serve/latency): not lag.
    if ((m.topic === 'frames' || m.topic === 'detections') && Number.isFinite(t.offset)) t.maxLag = Math.max(t.maxLag, d - t.offset);
  };

  const samples: Sample[] = [];
  const interval = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const whole = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const warmupMs = o.warmupMinutes * 60_000;
  let wholeOn = false;
  const rtsp = await startRtspServer({ file: o.clip, audio: true });
  let server: Awaited<ReturnType<typeof startServe>> | null = null;
  let live: Awaited<ReturnType<typeof openLive>> | null = null;
  try {
    server = await startServe(o.rt, { url: rtsp.url, ids, stages: o.mode === 'ingest-only' ? [] : undefined, fps: o.fps });
    live = await openLive(server, o.mode === 'analysed' ? ['frames', 'detections', 'transcripts', 'events'] : ['frames'], onMessage);
    await waitRunning(server, 60_000);
    o.log(`\n## ${o.mode}: ${o.streams} live streams in one serve (${o.mode === 'analysed' ? 'default stages, stub endpoints 0 ms' : 'stages: []'}), ${o.fps} fps, ${o.minutes} min (warm-up ${fmt(o.warmupMinutes, 1)} min)`);
    o.log(TABLE_HEAD);
    const t0 = Date.now();
    const end = t0 + o.minutes * 60_000;
    interval.enable();
    let printed: Sample[] = [];
    let lastPrint = t0;
    for (let k = 1; !o.signal.aborted; k++) {
      const due = t0 + k * o.sampleMs;
      if (due > end) break;
      try { await delay(Math.max(0, due - Date.now()), undefined, { signal: o.signal }); } catch { break; }
      const now = Date.now();
      const loopP99Ms = ms(interval.percentile(99));
      const loopMaxMs = ms(interval.max);
      // The forced collection blocks the loop: neither monitor may see it.
      interval.disable();
      if (wholeOn) whole.disable();
      const g0 = performance.now();
      gc?.();
      const gcMs = performance.now() - g0;
      const mem = process.memoryUsage();
      const streams = views(server).map((v): StreamSample => {
        const tr = tracks.get(v.id);
        const liveLagMs = tr && Number.isFinite(tr.maxLag) ? tr.maxLag : NaN;
        if (tr) tr.maxLag = -Infinity;
        const ingestLagMs = v.ingest?.lagMs ?? NaN;
        const d = v.stageStats.detection as Record<string, number> | undefined;
        return {
          id: v.id, state: v.state, frames: v.ingest?.frames ?? 0, dropped: v.ingest?.dropped ?? 0, reconnects: v.ingest?.reconnects ?? 0,
          restarts: v.restarts, ingestLagMs, liveLagMs, lagMs: Math.max(ingestLagMs, Number.isFinite(liveLagMs) ? liveLagMs : 0),
          det: d ? { framesIn: d.framesIn, framesDetected: d.framesDetected, framesSkipped: d.framesSkipped, framesDropped: d.framesDropped, framesThinned: d.framesThinned } : null,
        };
      });
      const s: Sample = { t: now - t0, rssMb: mem.rss / MB, heapMb: mem.heapUsed / MB, loopP99Ms, loopMaxMs, gcMs, streams };
      samples.push(s);
      printed.push(s);
      interval.reset();
      interval.enable();
      if (s.t >= warmupMs) { whole.enable(); wholeOn = true; }
      if (now - lastPrint >= o.printEveryMs || due + o.sampleMs > end) {
        o.log(tableRow(printed));
        printed = [];
        lastPrint = now;
      }
    }
    if (live.closedEarly()) o.log(`  note: live socket ${live.closedEarly()}`);
  } finally {
    interval.disable();
    whole.disable();
    await live?.close();
    await server?.close({ timeoutMs: 20_000 });
    await rtsp.kill();
  }
  return {
    mode: o.mode, minutes: o.minutes, warmupMinutes: o.warmupMinutes, ids, samples, skipped, interrupted: o.signal.aborted,
    loopAfterWarmup: wholeOn ? { p50: ms(whole.percentile(50)), p99: ms(whole.percentile(99)), max: ms(whole.max) } : { p50: NaN, p99: NaN, max: NaN },
  };
}

const HEAD = ['t min', 'RSS MB', 'heap MB', 'loop p99 ms', 'loop max ms', 'max stream lag ms', 'analysed/ingested frames'];
const TABLE_HEAD = table(HEAD, []);

/** One row for the samples since the last row: memory at its end, the worst loop delay and lag within it. */
function tableRow(ss: Sample[]): string {
  const last = ss[ss.length - 1];
  const frames = last.streams.reduce((a, s) => a + s.frames, 0);
  const analysed = last.streams.reduce((a, s) => a + (s.det?.framesDetected ?? 0), 0);
  const lag = Math.max(...ss.flatMap((s) => s.streams.map((x) => x.lagMs)));
  const cells = [fmt(last.t / 60_000, 1), fmt(last.rssMb, 1), fmt(last.heapMb, 1), fmt(Math.max(...ss.map((s) => s.loopP99Ms)), 1), fmt(Math.max(...ss.map((s) => s.loopMaxMs)), 1), fmt(lag), `${analysed}/${frames}`];
  // Aligned under TABLE_HEAD's columns.
  const w = HEAD.map((h, i) => Math.max(h.length, cells[i].length));
  return cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
}
