import { spawn } from 'node:child_process';
import { openSource } from '../../src/ingest';
import { launchToArgv, withFakeSinks } from '../../src/pipelines';
import { fmt, median, quantile } from './stats';

/**
 * Our pipeline (a Session consuming every frame and audio chunk, in this process: discovery, parse,
 * run, JS consumption) against gst-launch-1.0 running the SAME launch line with the appsinks replaced
 * by `fakesink sync=false` (process wall time: start-up, plugin registry, run). Rounds alternate which
 * goes first so drift in machine load hits both alike.
 */
export interface ThroughputResult {
  ourLaunch: string;
  gstLaunch: string;
  oursS: number[];
  gstS: number[];
  ratios: number[];
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

export async function fileThroughput(file: string, rounds: number, params: Record<string, unknown>, log: (s: string) => void): Promise<ThroughputResult> {
  // Warm-up (page cache, plugin registry) so round 1 is not an outlier, and the launch line to print.
  const warm = await runOurs(file, params);
  const gstLaunch = withFakeSinks(warm.launch);
  await runGstLaunch(gstLaunch);
  log(`ours:       ${warm.launch}`);
  log(`gst-launch: gst-launch-1.0 ${gstLaunch}`);
  log(`(each run: ${warm.frames} frames, ${fmt(warm.audioS, 2)} s of audio)`);
  const oursS: number[] = [];
  const gstS: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let o: number;
    let g: number;
    if (i % 2 === 0) {
      o = (await runOurs(file, params)).s;
      g = await runGstLaunch(gstLaunch);
    } else {
      g = await runGstLaunch(gstLaunch);
      o = (await runOurs(file, params)).s;
    }
    oursS.push(o);
    gstS.push(g);
    log(`round ${i + 1}/${rounds}: ours ${fmt(o)} s, gst-launch ${fmt(g)} s, ratio ${fmt(o / g)}`);
  }
  return { ourLaunch: warm.launch, gstLaunch, oursS, gstS, ratios: oursS.map((o, i) => o / gstS[i]) };
}

export function summarizeThroughput(r: ThroughputResult): string {
  const m = median(r.ratios);
  return [
    `median time: ours ${fmt(median(r.oursS))} s, gst-launch ${fmt(median(r.gstS))} s`,
    `time ratio ours/gst-launch: median ${fmt(m)} (min ${fmt(Math.min(...r.ratios))}, max ${fmt(Math.max(...r.ratios))}, IQR ${fmt(quantile(r.ratios, 0.25))}–${fmt(quantile(r.ratios, 0.75))}; target <= 1.05: ${m <= 1.05 ? 'met' : 'NOT met'})`,
  ].join('\n');
}
