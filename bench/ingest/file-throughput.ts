import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { openSource } from '../../src/ingest';
import { launchToArgv, withFakeSinks } from '../../src/pipelines';
import { fmt, median, quantile } from './stats';

/**
 * Our pipeline against gst-launch-1.0 running the SAME launch line with the appsinks replaced by
 * `fakesink sync=false`. Both sides are timed as whole processes (start-up, plugin registry, discovery,
 * parse, run to EOS): ours is `video-agent ingest FILE` (the built CLI consuming every frame and audio
 * chunk in JS), so the ratio compares like with like. The in-process time of our Session (no Node
 * start-up) is reported beside it. Rounds alternate which goes first so drift in machine load hits both alike.
 * First-frame latency: spawn to the first frame delivered to our CLI's consumer, beside spawn to the first
 * buffer reaching gst-launch's frames fakesink (a separate verbose run, stopped there).
 */
export interface ThroughputResult {
  ourLaunch: string;
  gstLaunch: string;
  oursS: number[];
  gstS: number[];
  ratios: number[];
  /** Our Session timed inside this process (no Node start-up), per round. */
  oursInProcessS: number[];
  /** Process spawn to the first frame: ours (the CLI's own first-frame time), gst-launch (first buffer at the frames fakesink). */
  oursFirstFrameMs: number[];
  gstFirstFrameMs: number[];
  /** Ours on a fresh copy of the file (a URI GstDiscoverer's cache has never seen): whole time and first frame. */
  oursColdS: number[];
  oursColdFirstFrameMs: number[];
}

const CLI = path.resolve(__dirname, '..', '..', 'bin', 'video-agent.js');

/**
 * `video-agent ingest FILE` as a child process; checks it consumed frames and audio. Also returns the
 * time from spawn to its first frame (the summary's firstFrameAt, same wall clock as this process).
 */
function runOursProcess(file: string): Promise<{ s: number; firstFrameMs: number }> {
  const spawnedAt = Date.now();
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'ingest', file, '--no-progress', '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      let summary: { state?: string; frames?: number; firstFrameAt?: number } = {};
      try { summary = JSON.parse(out.trim().split('\n').pop() ?? '{}'); } catch { /* reported below */ }
      if (code !== 0 || summary.state !== 'ended' || !summary.frames || !summary.firstFrameAt) reject(new Error(`video-agent ingest failed (${code}): ${err || out}`));
      else resolve({ s, firstFrameMs: summary.firstFrameAt - spawnedAt });
    });
  });
}

async function runOurs(file: string, params: Record<string, unknown>): Promise<{ s: number; frames: number; audioS: number; launch: string }> {
  const t0 = process.hrtime.bigint();
  const session = await openSource(file, { params });
  let bytes = 0;
  const stats = await session.run({ onFrame: (f) => { bytes += f.jpeg.length; }, onAudio: (a) => { bytes += a.pcm.length; } });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (stats.state !== 'ended' || bytes === 0) throw new Error(`our run did not finish: ${JSON.stringify(stats)}`);
  return { s, frames: stats.frames, audioS: stats.audioSeconds, launch: session.pipeline.launch };
}

function runGstLaunch(launch: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('gst-launch-1.0', ['-q', ...launchToArgv(launch)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e9) : reject(new Error(`gst-launch-1.0 failed (${code}): ${err}`))));
  });
}

/**
 * gst-launch-1.0 -v on the same line with the frames fakesink printing each buffer: ms from spawn to
 * the first one (then it is stopped). The throughput runs keep the silent sinks, so this costs them nothing.
 */
function gstLaunchFirstFrame(launch: string): Promise<number> {
  const verbose = launch.replace('fakesink sync=false name=frames', 'fakesink sync=false silent=false name=frames');
  if (verbose === launch) throw new Error('the gst-launch line has no frames fakesink');
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('gst-launch-1.0', ['-v', ...launchToArgv(verbose)], { stdio: ['ignore', 'pipe', 'ignore'] });
    let done = false;
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (done || !line.includes('(frames:sink)')) return;
      done = true;
      resolve(Date.now() - t0);
      child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code) => { if (!done) reject(new Error(`gst-launch-1.0 ended (${code}) before its first frame`)); });
  });
}

/**
 * Ours on a fresh copy of the file: a URI the discoverer cache has never seen, just written, so the
 * probe runs in full (the first-ever ingest of a file) and leaves no cache entry behind.
 */
async function runOursCold(file: string, round: number): Promise<{ s: number; firstFrameMs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-bench-cold-'));
  const copy = path.join(dir, `never-seen-${round}-${path.basename(file)}`);
  try {
    fs.copyFileSync(file, copy);
    return await runOursProcess(copy);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function fileThroughput(file: string, rounds: number, params: Record<string, unknown>, log: (s: string) => void): Promise<ThroughputResult> {
  // Warm-up (page cache, plugin registry) so round 1 is not an outlier, and the launch line to print.
  const warm = await runOurs(file, params);
  const gstLaunch = withFakeSinks(warm.launch);
  await runGstLaunch(gstLaunch);
  log(`ours:       ${warm.launch}`);
  log(`gst-launch: gst-launch-1.0 ${gstLaunch}`);
  log(`(each run: ${warm.frames} frames, ${fmt(warm.audioS, 2)} s of audio)`);
  if (Object.keys(params).length) throw new Error('the process comparison runs the CLI at the file template defaults');
  await runOursProcess(file);
  const oursS: number[] = [];
  const gstS: number[] = [];
  const oursInProcessS: number[] = [];
  const oursFirstFrameMs: number[] = [];
  const gstFirstFrameMs: number[] = [];
  const oursColdS: number[] = [];
  const oursColdFirstFrameMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let o: { s: number; firstFrameMs: number };
    let g: number;
    if (i % 2 === 0) {
      o = await runOursProcess(file);
      g = await runGstLaunch(gstLaunch);
    } else {
      g = await runGstLaunch(gstLaunch);
      o = await runOursProcess(file);
    }
    const gFirst = await gstLaunchFirstFrame(gstLaunch);
    const cold = await runOursCold(file, i);
    const inProc = (await runOurs(file, params)).s;
    oursS.push(o.s);
    gstS.push(g);
    oursInProcessS.push(inProc);
    oursFirstFrameMs.push(o.firstFrameMs);
    gstFirstFrameMs.push(gFirst);
    oursColdS.push(cold.s);
    oursColdFirstFrameMs.push(cold.firstFrameMs);
    log(`round ${i + 1}/${rounds}: ours ${fmt(o.s)} s (in-process ${fmt(inProc)} s, never-seen copy ${fmt(cold.s)} s), gst-launch ${fmt(g)} s, ratio ${fmt(o.s / g)}; first frame ours ${fmt(o.firstFrameMs, 0)} ms (never-seen copy ${fmt(cold.firstFrameMs, 0)} ms), gst-launch ${fmt(gFirst, 0)} ms`);
  }
  return {
    ourLaunch: warm.launch, gstLaunch, oursS, gstS, oursInProcessS, oursFirstFrameMs, gstFirstFrameMs, oursColdS, oursColdFirstFrameMs,
    ratios: oursS.map((o, i) => o / gstS[i]),
  };
}

export function summarizeThroughput(r: ThroughputResult): string {
  const m = median(r.ratios);
  return [
    `median time (whole processes): ours ${fmt(median(r.oursS))} s, gst-launch ${fmt(median(r.gstS))} s; our Session in-process (no Node start-up) ${fmt(median(r.oursInProcessS))} s`,
    `(ours re-ingests a file GStreamer's discoverer cache knows, as any repeated ingest does; on a never-seen copy: median ${fmt(median(r.oursColdS))} s, ratio ${fmt(median(r.oursColdS.map((o, i) => o / r.gstS[i])))}, first frame ${fmt(median(r.oursColdFirstFrameMs), 0)} ms)`,
    `first frame after process spawn: ours median ${fmt(median(r.oursFirstFrameMs), 0)} ms (min ${fmt(Math.min(...r.oursFirstFrameMs), 0)}, max ${fmt(Math.max(...r.oursFirstFrameMs), 0)}; target <= 250 ms: ${median(r.oursFirstFrameMs) <= 250 ? 'met' : 'NOT met'}), gst-launch median ${fmt(median(r.gstFirstFrameMs), 0)} ms (min ${fmt(Math.min(...r.gstFirstFrameMs), 0)}, max ${fmt(Math.max(...r.gstFirstFrameMs), 0)})`,
    `time ratio ours/gst-launch (whole processes): median ${fmt(m)} (min ${fmt(Math.min(...r.ratios))}, max ${fmt(Math.max(...r.ratios))}, IQR ${fmt(quantile(r.ratios, 0.25))}–${fmt(quantile(r.ratios, 0.75))}; target <= 1.05: ${m <= 1.05 ? 'met' : 'NOT met'})`,
  ].join('\n');
}
