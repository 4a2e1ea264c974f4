/**
 * Live latency: the emulator answers like typical endpoints (detection 150 ms, ASR 400 ms, VLM 1.5 s per
 * call) and a WebSocket client times each message from its frame's capture (`ts`, the wall clock the
 * session gives the sample) to its arrival:
 * - detections: the frame's ts;
 * - transcripts: the segment's start (ts) and its end (ts + duration: the earliest a window can be sent);
 * - events: the trigger frame (ts + trigger − start) and the window's end (the earliest it can be described:
 *   the stage waits postS + contextLagS of media after a trigger, by design).
 * Baseline in the same run: the `frames` topic, the same clock read the moment ingest hands the frame on
 * (so what is left above it is the stages, the endpoint calls and the live feed). Its arrival − ts is not
 * zero: a live session's clock starts when the connection starts, before the first sample (see report).
 */
import { startRtspServer } from '../../test/ingest/helpers/rtsp';
import type { Runtime } from '../../src/analyze/runtime';
import { fmt, openLive, quantile, sleep, startServe, table, waitRunning, type Arrival } from './harness';

export interface LatencyRow { what: string; n: number; p50: number; p95: number; max: number }

export interface LatencyResult {
  rows: LatencyRow[];
  /** p95 of detection arrival − frame arrival for the same pts (the stage + endpoint part alone). */
  detOverFrameP95: number;
  skipped: Record<string, number>;
}

const WARMUP_MS = 3000;

export async function liveLatency(rt: Runtime, clip: string, streams: number, fps: number, windowS: number): Promise<LatencyResult> {
  const rtsp = await startRtspServer({ file: clip, audio: true });
  const ids = Array.from({ length: streams }, (_, i) => `lat-${i}`);
  const server = await startServe(rt, { url: rtsp.url, ids, fps });
  const lat: Record<string, number[]> = {};
  const add = (k: string, v: number) => (lat[k] ??= []).push(v);
  const frameAt = new Map<string, number>();
  const detOverFrame: number[] = [];
  const skipped: Record<string, number> = {};
  let start = Infinity;
  let end = Infinity;
  // Results of frames captured inside the window are kept, however late they arrive (until the drain).
  const onMessage = (m: Arrival) => {
    if (m.ts < start || m.ts >= end) return;
    const skip = m.body.skipped as string | undefined;
    if (skip) { skipped[`${m.topic}:${skip}`] = (skipped[`${m.topic}:${skip}`] ?? 0) + 1; return; }
    const d = m.at - m.ts;
    if (m.topic === 'frames') {
      add('frames (ingest floor)', d);
      frameAt.set(`${m.streamId}/${m.ptsUs}`, m.at);
    } else if (m.topic === 'detections') {
      add('detections', d);
      const f = frameAt.get(`${m.streamId}/${m.ptsUs}`);
      if (f !== undefined) detOverFrame.push(m.at - f);
    } else if (m.topic === 'transcripts') {
      if (m.body.is_silence) return;
      add('transcripts (from segment start)', d);
      add('transcripts (from segment end)', d - (Number(m.body.end_us) - Number(m.body.start_us)) / 1000);
    } else if (m.topic === 'events') {
      add('events (from trigger frame)', d - (Number(m.body.trigger_us) - Number(m.body.start_us)) / 1000);
      add('events (from window end)', d - (Number(m.body.end_us) - Number(m.body.start_us)) / 1000);
    }
  };
  let live: Awaited<ReturnType<typeof openLive>> | null = null;
  try {
    live = await openLive(server, ['frames', 'detections', 'transcripts', 'events'], onMessage);
    await waitRunning(server);
    start = Date.now() + WARMUP_MS;
    end = start + windowS * 1000;
    // Drain: the last windows' transcripts and events come seconds after their capture.
    await sleep(end - Date.now() + 8000);
    if (live.closedEarly()) throw new Error(`live socket ${live.closedEarly()}`);
  } finally {
    await live?.close();
    await server.close({ timeoutMs: 20_000 });
    await rtsp.kill();
  }
  const order = ['frames (ingest floor)', 'detections', 'transcripts (from segment start)', 'transcripts (from segment end)', 'events (from trigger frame)', 'events (from window end)'];
  const rows = order.map((what) => {
    const v = lat[what] ?? [];
    return { what, n: v.length, p50: quantile(v, 0.5), p95: quantile(v, 0.95), max: v.length ? Math.max(...v) : NaN };
  });
  return { rows, detOverFrameP95: quantile(detOverFrame, 0.95), skipped };
}

export function latencyTable(r: LatencyResult): string {
  return table(['capture → WebSocket arrival', 'n', 'p50 ms', 'p95 ms', 'max ms'], r.rows.map((x) => [x.what, x.n, fmt(x.p50), fmt(x.p95), fmt(x.max)]));
}
