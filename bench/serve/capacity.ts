/**
 * Capacity: how many concurrent live RTSP streams one serve analyses in real time. A step runs N streams
 * (one serve, one GstRtspServer mount they all read) for a window after a warm-up, watching /v1/live:
 * - frames: `frames` messages arriving in the window vs fps × window (ingest keeps up);
 * - analysed: of those frames, the share whose detection outcome arrived (by pts, up to DRAIN_MS after the
 *   window) and is not `skipped`;
 * - lag: how late each frame / detection arrives behind the stream's real-time clock, anchored at the
 *   first frame message of the window (arrival − (anchor arrival + pts − anchor pts)): ingest drift plus
 *   the detection delay, so a stream whose results trail by a constant second fails too.
 * Ingest-only (stages: []) is the same step judged on frames alone: the baseline, in the same run.
 * Pass: every stream ≥ 99 % (frames, and analysed for analysed steps), max lag < 1 s, no restarts.
 */
import { startRtspServer } from '../../test/ingest/helpers/rtsp';
import type { Runtime } from '../../src/analyze/runtime';
import { fmt, openLive, sleep, startServe, table, views, waitRunning, type Arrival } from './harness';

export type CapacityMode = 'analysed' | 'ingest-only';

export interface CapacityStep {
  mode: CapacityMode;
  streams: number;
  ok: boolean;
  /** Lowest share over streams: analysed = frames with a detection (not skipped) of the window's frames; ingest-only = frames, %. */
  minPct: number;
  /** Lowest frames share (ingest health, also shown for analysed steps), %. */
  minFramesPct: number;
  maxLagMs: number;
  /** Detection outcomes `skipped` in the window, by reason. */
  skipped: Record<string, number>;
  transcripts: number;
  events: number;
  restarts: number;
  reconnects: number;
  /** This process's CPU over the window, % of one core. */
  cpuPct: number;
  why: string;
}

interface Track {
  frames: number;
  judged: number;
  /** pts of the frames that arrived in the window (their detections are awaited). */
  pending: Set<number>;
  anchorAt: number;
  anchorPts: number;
  maxLagMs: number;
}

const WARMUP_MS = 3000;
/** Detections of the window's frames are awaited this long after it (a later one fails the lag anyway). */
const DRAIN_MS = 1500;

export async function capacityStep(rt: Runtime, clip: string, mode: CapacityMode, n: number, fps: number, windowS: number): Promise<CapacityStep> {
  const rtsp = await startRtspServer({ file: clip, audio: true });
  const ids = Array.from({ length: n }, (_, i) => `cap-${mode === 'analysed' ? 'a' : 'i'}${n}-${i}`);
  const server = await startServe(rt, { url: rtsp.url, ids, stages: mode === 'ingest-only' ? [] : undefined, fps });
  const tracks = new Map(ids.map((id) => [id, { frames: 0, judged: 0, pending: new Set<number>(), anchorAt: 0, anchorPts: 0, maxLagMs: 0 } as Track]));
  const skipped: Record<string, number> = {};
  let transcripts = 0;
  let events = 0;
  let start = Infinity;
  let end = Infinity;
  const lagOf = (t: Track, m: Arrival) => m.at - t.anchorAt - (m.ptsUs - t.anchorPts) / 1000;
  const onMessage = (m: Arrival) => {
    const t = tracks.get(m.streamId);
    if (!t || m.at < start || m.at >= end + DRAIN_MS) return;
    if (m.topic === 'frames') {
      if (m.at >= end) return;
      if (t.frames === 0) { t.anchorAt = m.at; t.anchorPts = m.ptsUs; }
      t.frames++;
      t.maxLagMs = Math.max(t.maxLagMs, lagOf(t, m));
      if (mode === 'ingest-only') t.judged++;
      else t.pending.add(m.ptsUs);
      return;
    }
    if (m.topic === 'detections' && t.pending.delete(m.ptsUs)) {
      const skip = m.body.skipped as string | undefined;
      if (skip) { skipped[skip] = (skipped[skip] ?? 0) + 1; return; }
      t.judged++;
      t.maxLagMs = Math.max(t.maxLagMs, lagOf(t, m));
    }
    if (m.at >= end) return;
    if (m.topic === 'transcripts') transcripts++;
    if (m.topic === 'events') events++;
  };
  let live: Awaited<ReturnType<typeof openLive>> | null = null;
  let cpuPct = NaN;
  let restarts = 0;
  let reconnects = 0;
  let failedWhy = '';
  try {
    live = await openLive(server, mode === 'analysed' ? ['frames', 'detections', 'transcripts', 'events'] : ['frames'], onMessage);
    await waitRunning(server);
    start = Date.now() + WARMUP_MS;
    end = start + windowS * 1000;
    await sleep(WARMUP_MS);
    const cpu0 = process.cpuUsage();
    const restarts0 = views(server).reduce((s, v) => s + v.restarts, 0);
    await sleep(end - Date.now());
    const cpu = process.cpuUsage(cpu0);
    await sleep(DRAIN_MS + 100);
    cpuPct = (100 * (cpu.user + cpu.system)) / 1000 / (windowS * 1000);
    const vs = views(server);
    restarts = vs.reduce((s, v) => s + v.restarts, 0) - restarts0;
    reconnects = vs.reduce((s, v) => s + (v.ingest?.reconnects ?? 0), 0);
    const bad = vs.filter((v) => v.state !== 'running');
    if (bad.length) failedWhy = `not running: ${bad.map((v) => `${v.id}=${v.state}`).join(', ')}`;
    if (live.closedEarly()) failedWhy = `live socket ${live.closedEarly()}`;
  } finally {
    await live?.close();
    await server.close({ timeoutMs: 20_000 });
    await rtsp.kill();
  }
  const expected = fps * windowS;
  const all = [...tracks.values()];
  const minPct = Math.min(...all.map((t) => (mode === 'analysed' ? (100 * t.judged) / Math.max(1, t.frames) : (100 * t.frames) / expected)));
  const minFramesPct = Math.min(...all.map((t) => (100 * t.frames) / expected));
  const maxLagMs = Math.max(...all.map((t) => t.maxLagMs));
  const why = failedWhy || [minFramesPct < 99 ? `frames ${fmt(minFramesPct, 1)} % < 99 %` : '', mode === 'analysed' && minPct < 99 ? `analysed ${fmt(minPct, 1)} % of frames < 99 %` : '', maxLagMs >= 1000 ? `lag ${fmt(maxLagMs)} ms >= 1 s` : '', restarts ? `${restarts} restarts` : ''].filter(Boolean).join(', ');
  return { mode, streams: n, ok: !why, minPct, minFramesPct, maxLagMs, skipped, transcripts, events, restarts, reconnects, cpuPct, why };
}

export function stepRow(r: CapacityStep): (string | number)[] {
  const skips = Object.entries(r.skipped).map(([k, v]) => `${k}:${v}`).join(' ') || '0';
  return [r.mode, r.streams, fmt(r.minPct, 1), fmt(r.minFramesPct, 1), fmt(r.maxLagMs), r.mode === 'analysed' ? skips : '-', r.mode === 'analysed' ? `${r.transcripts}/${r.events}` : '-', r.reconnects, fmt(r.cpuPct), r.ok ? 'real time' : `FAILS (${r.why})`];
}

export const STEP_HEAD = ['mode', 'streams', 'min analysed %', 'min frames %', 'max lag ms', 'det skipped', 'transcripts/events', 'reconnects', 'node cpu %', 'verdict'];

/** Steps up the ladder until a step fails; returns every step run and the last passing count. */
export async function capacityLadder(
  rt: Runtime, clip: string, mode: CapacityMode, ladder: number[], fps: number, windowS: number, log: (s: string) => void,
): Promise<{ best: number; steps: CapacityStep[] }> {
  const steps: CapacityStep[] = [];
  let best = 0;
  for (const n of ladder) {
    const r = await capacityStep(rt, clip, mode, n, fps, windowS);
    steps.push(r);
    log(`  ${mode} ${n} streams: ${r.ok ? 'real time' : `FAILS (${r.why})`}`);
    if (!r.ok) break;
    best = n;
  }
  return { best, steps };
}

export function capacityTable(steps: CapacityStep[]): string {
  return table(STEP_HEAD, steps.map(stepRow));
}
