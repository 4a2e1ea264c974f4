/**
 * bench/soak — `analyze` of a live RTSP source (test/fixtures/rtsp_server.py on 127.0.0.1) for N minutes
 * with every stage on (stub endpoints at 0 ms, real store), RSS sampled every 5 s after a forced GC, and
 * the least-squares RSS slope printed in MB/min (a leak shows as a steady positive slope). Baseline in
 * the same run: the same source ingested alone for a third of the time.
 * `--minutes N` (default 5; 1 with --quick).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { openRuntime } from '../../src/analyze/runtime';
import { parseStages } from '../../src/stages';
import { openSource } from '../../src/ingest';
import { generateClip } from '../../src/media';
import { startLocalInference } from '../../src/runpod';
import { openStore } from '../../src/store';

const argv = process.argv;
const quick = argv.includes('--quick');
const mi = argv.indexOf('--minutes');
const MINUTES = mi >= 0 ? Number(argv[mi + 1]) : quick ? 1 : 5;
const DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function slopeMbPerMin(samples: { t: number; rss: number }[]): number {
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.t, 0) / n;
  const my = samples.reduce((a, s) => a + s.rss, 0) / n;
  const num = samples.reduce((a, s) => a + (s.t - mx) * (s.rss - my), 0);
  const den = samples.reduce((a, s) => a + (s.t - mx) ** 2, 0);
  return den ? (num / den) * 60_000 / 2 ** 20 : 0;
}

function rtspServer(file: string): Promise<{ url: string; kill(): void }> {
  const script = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'rtsp_server.py');
  const proc = spawn('/usr/bin/python3', [script, '--file', file, '--port', '0', '--audio'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.on('exit', (c) => reject(new Error(`rtsp server exited ${c}`)));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve({ url: `rtsp://127.0.0.1:${m[1]}/stream`, kill: () => proc.kill('SIGKILL') });
    });
  });
}

async function sampleRss<T>(run: Promise<T>, every: number): Promise<{ result: T; samples: { t: number; rss: number }[] }> {
  const samples: { t: number; rss: number }[] = [];
  const t0 = Date.now();
  const timer = setInterval(() => { gc(); samples.push({ t: Date.now() - t0, rss: process.memoryUsage().rss }); }, every);
  try {
    return { result: await run, samples };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  const seconds = Math.round(MINUTES * 60);
  const clip = await generateClip({ durationS: seconds + 30, width: 640, height: 360, fps: 25, audio: 'tone', pattern: 'ball', keyframeIntervalS: 1, dir: path.resolve('data', 'bench') });
  const server = await rtspServer(clip);
  const stubs = { yolo: { backend: 'stub' as const, model: 'yolo' as const }, whisper: { backend: 'stub' as const, model: 'whisper' as const }, vlm: { backend: 'stub' as const, model: 'vlm' as const } };
  const store = await openStore({ databaseUrl: DB, schema: 'bench_soak' });
  const inference = await startLocalInference({ env: {}, emulator: { endpoints: stubs } });
  const rt = await openRuntime({ store, runpod: inference.client.runpod });
  try {
    // Baseline: ingestion alone.
    const baseS = Math.max(20, seconds / 3);
    const session = await openSource(server.url, { streamId: 'soak-ingest', params: { fps: 5 } });
    const stopper = setTimeout(() => void session.stop(), baseS * 1000);
    const base = await sampleRss(session.run({ onFrame: () => undefined, onAudio: () => undefined }), 5000);
    clearTimeout(stopper);
    const baseSlope = slopeMbPerMin(base.samples);

    console.log(`soak: analyze ${server.url} for ${MINUTES} min (detection+audio+vlm, stub endpoints 0 ms, 5 fps)`);
    const run = await sampleRss(analyzeSource(rt, { input: server.url, stages: parseStages('detection,audio,vlm'), fps: 5, streamId: `soak-${Date.now()}`, maxDurationS: seconds }), 5000);
    const s = run.result;
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    for (const x of run.samples.filter((_, i) => i % 6 === 0)) console.log(`  t=${(x.t / 1000).toFixed(0)}s rss=${mb(x.rss)} MB`);
    console.log(`analyze: ${s.ingest.frames} frames, ${s.ingest.dropped} dropped by ingest, detection queue max ${s.stages.detection?.queueHighWater}/${s.stages.detection?.queueCapacity}, ${s.stages.detection?.framesSkipped} skipped, ${s.rows.events} events, lag ${s.ingest.lagMs} ms`);
    const slope = slopeMbPerMin(run.samples);
    console.log(`RESULT soak RSS slope: ${slope.toFixed(2)} MB/min over ${MINUTES} min (${run.samples.length} samples, first ${mb(run.samples[0]?.rss ?? 0)} MB, last ${mb(run.samples[run.samples.length - 1]?.rss ?? 0)} MB); ingest-only baseline slope ${baseSlope.toFixed(2)} MB/min over ${baseS} s`);
  } finally {
    server.kill();
    await rt.close();
    await inference.close();
    await store.close();
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
