import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { SessionManager } from '../../src/ingest';
import { launchToArgv, preparePipeline, withFakeSinks } from '../../src/pipelines';
import { fmt, quantile } from './stats';

/**
 * How many concurrent RTSP streams are ingested in real time at `fps` sampling: every stream must
 * deliver >= 99 % of the frames expected over the window (fps x wall seconds) and its lag (arrival
 * drift behind media time since the window started) must stay < 1 s. Ours: N Sessions in this
 * process. Baseline: N separate gst-launch-1.0 processes running the same launch line, with the
 * frames appsink replaced by a verbose fakesink whose per-buffer lines give pts and arrival time.
 */
export interface StepResult {
  streams: number;
  ok: boolean;
  minFramePct: number;
  maxLagMs: number;
  /** Ours only: reconnects during the step (a healthy step has none). */
  reconnects?: number;
}

interface Track {
  count: number;
  firstArrival: number;
  firstPtsMs: number;
  maxLagMs: number;
}

function newTrack(): Track {
  return { count: 0, firstArrival: 0, firstPtsMs: 0, maxLagMs: 0 };
}

/** Records one frame if it arrived inside the window [start, end). */
function record(t: Track, ptsMs: number, now: number, start: number, end: number): void {
  if (now < start || now >= end) return;
  if (t.count === 0) {
    t.firstArrival = now;
    t.firstPtsMs = ptsMs;
  } else {
    t.maxLagMs = Math.max(t.maxLagMs, now - t.firstArrival - (ptsMs - t.firstPtsMs));
  }
  t.count++;
}

function judge(streams: number, tracks: Track[], fps: number, windowS: number): StepResult {
  const expected = fps * windowS;
  const pcts = tracks.map((t) => (100 * t.count) / expected);
  const minFramePct = Math.min(...pcts);
  const maxLagMs = Math.max(...tracks.map((t) => t.maxLagMs));
  return { streams, ok: minFramePct >= 99 && maxLagMs < 1000, minFramePct, maxLagMs };
}

const WARMUP_MS = 3000;

export async function oursStep(url: string, streams: number, fps: number, windowS: number): Promise<StepResult> {
  const manager = new SessionManager();
  const tracks = Array.from({ length: streams }, newTrack);
  let start = Infinity;
  let end = Infinity;
  let reconnects = 0;
  try {
    // All streams open at once (as gst-launch processes start at once): opened one by one, the first
    // would run long before the last, and into the end of the served file at high counts.
    await Promise.all(tracks.map((t, i) => manager.add(url, {
      streamId: `bench-${i}`,
      params: { fps },
      connectTimeoutMs: 30_000,
      handlers: { onFrame: (f) => record(t, f.ptsUs / 1000, Date.now(), start, end) },
    })));
    start = Date.now() + WARMUP_MS;
    end = start + windowS * 1000;
    await new Promise((r) => setTimeout(r, end - Date.now() + 200));
    const failed = manager.stats().filter((s) => s.state === 'failed');
    if (failed.length) throw new Error(`sessions failed: ${failed.map((s) => s.error).join('; ')}`);
    reconnects = manager.stats().reduce((n, s) => n + s.reconnects, 0);
  } finally {
    await manager.stopAll();
  }
  return { ...judge(streams, tracks, fps, windowS), reconnects };
}

const PTS_LINE = /\(frames:sink\).*?pts: (\d+):(\d+):(\d+\.\d+)/;

export async function gstLaunchStep(url: string, streams: number, fps: number, windowS: number): Promise<StepResult> {
  const rendered = preparePipeline({ pipeline: 'rtsp', params: { fps }, source: { uri: url }, withAudio: false });
  const launch = withFakeSinks(rendered.launch).replace('fakesink sync=false name=frames', 'fakesink sync=false silent=false name=frames');
  const tracks = Array.from({ length: streams }, newTrack);
  const procs: ChildProcess[] = [];
  const start = Date.now() + WARMUP_MS;
  const end = start + windowS * 1000;
  try {
    for (let i = 0; i < streams; i++) {
      const p = spawn('gst-launch-1.0', ['-v', ...launchToArgv(launch)], { stdio: ['ignore', 'pipe', 'ignore'] });
      procs.push(p);
      const t = tracks[i];
      readline.createInterface({ input: p.stdout! }).on('line', (line) => {
        const m = PTS_LINE.exec(line);
        if (m) record(t, (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000, Date.now(), start, end);
      });
    }
    await new Promise((r) => setTimeout(r, end - Date.now() + 200));
  } finally {
    await Promise.all(procs.map((p) => new Promise<void>((done) => {
      if (p.exitCode !== null || p.signalCode !== null) return done();
      p.once('exit', () => done());
      p.kill('SIGINT');
      setTimeout(() => p.kill('SIGKILL'), 3000).unref();
    })));
  }
  return judge(streams, tracks, fps, windowS);
}

export function stepLine(who: string, r: StepResult): string {
  return `${who} ${String(r.streams).padStart(3)} streams: min frames ${fmt(r.minFramePct, 1)} %, max lag ${fmt(r.maxLagMs, 0)} ms${r.reconnects ? `, ${r.reconnects} reconnects` : ''} -> ${r.ok ? 'real time' : 'FAILS'}`;
}

/** Steps the stream count up (the given ladder) until a step fails; returns the last passing count. */
export async function capacity(
  step: (n: number) => Promise<StepResult>,
  ladder: number[],
  log: (s: string) => void,
  who: string,
): Promise<number> {
  let best = 0;
  for (const n of ladder) {
    const r = await step(n);
    log(stepLine(who, r));
    if (!r.ok) break;
    best = n;
  }
  return best;
}

export { quantile };
