/**
 * bench/ingest: (1) file throughput, our Session vs gst-launch-1.0 on the same launch line, whole processes,
 * and first-frame latency (process spawn to first frame) beside gst-launch's;
 * (2) RTSP capacity, concurrent 720p30 streams ingested in real time at 5 fps, ours (one process)
 * vs separate gst-launch-1.0 processes. `--quick`: 15 s clip, 3 rounds, 1-2 RTSP streams, 15 s window.
 * Options: --rounds N, --window S, --ladder 1,2,4,… (RTSP stream counts to try), --sides ours,gst,
 * --skip-file, --skip-rtsp.
 */
import path from 'node:path';
import { generateClip } from '../../src/media';
import { startRtspServer } from '../../test/ingest/helpers/rtsp';
import { fileThroughput, summarizeThroughput } from './file-throughput';
import { capacity, gstLaunchStep, oursStep } from './rtsp-capacity';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const BENCH_DIR = path.resolve('data', 'bench');
const log = (s: string) => console.log(s);

async function main(): Promise<void> {
  const fileS = quick ? 15 : 60;
  const rounds = Number(opt('--rounds') ?? (quick ? 3 : 5));
  const windowS = Number(opt('--window') ?? (quick ? 15 : 60));
  const ladder = (opt('--ladder') ?? (quick ? '1,2' : '1,2,4,6,8,12,16,24,32')).split(',').map(Number);
  const fps = 5;

  if (!argv.includes('--skip-file')) {
    log(`\n## File throughput: ${fileS} s 1080p30 H.264+AAC, file pipeline at its defaults (10 fps, 640x360 JPEG, 16 kHz audio), ${rounds} interleaved rounds`);
    const t0 = Date.now();
    const file = await generateClip({ durationS: fileS, width: 1920, height: 1080, fps: 30, audio: 'tone', bitrateKbps: 8000, dir: BENCH_DIR, name: `bench-1080p30-${fileS}s` });
    log(`clip: ${file} (${Date.now() - t0 > 1000 ? 'generated' : 'cached'})`);
    const r = await fileThroughput(file, rounds, {}, log);
    log(summarizeThroughput(r));
  }

  if (!argv.includes('--skip-rtsp')) {
    log(`\n## RTSP capacity: 720p30 H.264 served pre-encoded by GstRtspServer (one demux + payload pipeline per client) on 127.0.0.1, ${fps} fps sampling, ${windowS} s window per step (>= 99 % of frames, lag < 1 s)`);
    const served = await generateClip({ durationS: windowS + 60, width: 1280, height: 720, fps: 30, audio: 'none', bitrateKbps: 2500, keyframeIntervalS: 1, dir: BENCH_DIR, name: `bench-720p30-${windowS + 60}s` });
    // A fresh server per step: the shared media then starts at the file's beginning for every step, so
    // no step can run into the end of the file (a server keeps a media playing until its sessions expire).
    const withServer = async <T>(fn: (url: string) => Promise<T>): Promise<T> => {
      const server = await startRtspServer({ file: served });
      try {
        return await fn(server.url);
      } finally {
        await server.kill();
      }
    };
    const sides = (opt('--sides') ?? 'ours,gst').split(',');
    const top = ladder[ladder.length - 1];
    const fmtCap = (n: number) => (n === top ? `>= ${n} (ladder top)` : String(n));
    const results: string[] = [];
    if (sides.includes('ours')) {
      const ours = await capacity((n) => withServer((url) => oursStep(url, n, fps, windowS)), ladder, log, 'ours (one process)     ');
      results.push(`ours ${fmtCap(ours)} streams in one process`);
    }
    if (sides.includes('gst')) {
      const gst = await capacity((n) => withServer((url) => gstLaunchStep(url, n, fps, windowS)), ladder, log, 'gst-launch (processes) ');
      results.push(`gst-launch ${fmtCap(gst)} separate processes`);
    }
    log(`real-time capacity: ${results.join(', ')}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
