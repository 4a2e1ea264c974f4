/**
 * bench/runpod: (1) our client's throughput and added latency through the emulator (stub worker, 0 ms) at
 * concurrency 64, against a bare undici loop on the same emulator; (2) payload bytes and modelled GPU seconds
 * per frame for batch sizes 1/4/8/16; (3) ms per call of each local worker (src/local-models), the detector's one
 * pass against the two-pass letterbox it had before, and image decoding through sharp against jpeg-js.
 */
import jpeg from 'jpeg-js';
import { Pool } from 'undici';
import { RunpodClient } from '../../src/runpod/client';
import { loadRunpodConfig, withOverrides } from '../../src/runpod/config';
import { RunpodEmulator } from '../../src/runpod/emulator';
import { fixtureJpeg, fixtureWav } from '../../src/runpod/fixtures';
import { GPU_PRICE_PER_SECOND } from '../../src/runpod/prices';
import { bodyBytes } from '../../src/runpod/payload';

const quick = process.argv.includes('--quick');
const CONCURRENCY = 64;
const N = quick ? 600 : 4000;

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function loop(n: number, conc: number, fn: (i: number) => Promise<void>): Promise<{ rps: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await fn(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { rps: n / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

async function throughput(): Promise<void> {
  const em = await new RunpodEmulator({
    endpoints: { yolo: { backend: 'stub', maxWorkers: 256, rateLimits: { runsync: 10_000_000, status: 10_000_000, run: 10_000_000 } } },
  }).start();
  const img = fixtureJpeg(64, 64).toString('base64');
  const body = JSON.stringify({ input: { images: [img] } });
  const pool = new Pool(new URL(em.apiBase).origin, { connections: CONCURRENCY });
  const bare = async () => {
    const res = await pool.request({ method: 'POST', path: '/v2/yolo/runsync?wait=30000', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${em.apiKey}` } });
    const j = (await res.body.json()) as { status: string };
    if (j.status !== 'COMPLETED') throw new Error(`bare: ${j.status}`);
  };
  const cfg = withOverrides(loadRunpodConfig({ RUNPOD_API_BASE: em.apiBase }), { apiKey: em.apiKey, maxInFlightPerEndpoint: CONCURRENCY, cacheSize: 0, connections: CONCURRENCY });
  const client = new RunpodClient(cfg);
  const ours = async () => {
    await client.call('yolo', { images: [img] }, { mode: 'runsync', cache: false });
  };
  // Warm both paths (JIT, connections, ajv compile), then alternate bare/ours to share the machine's noise.
  await loop(100, CONCURRENCY, bare);
  await loop(100, CONCURRENCY, ours);
  const b = await loop(N, CONCURRENCY, bare);
  const o = await loop(N, CONCURRENCY, ours);
  console.log(`throughput, stub worker 0 ms, concurrency ${CONCURRENCY}, ${N} calls each (runsync, schema-validated both ways in ours):`);
  console.log(`  bare undici loop : ${b.rps.toFixed(0).padStart(6)} req/s  p50 ${b.p50.toFixed(2)} ms  p99 ${b.p99.toFixed(2)} ms`);
  console.log(`  RunpodClient     : ${o.rps.toFixed(0).padStart(6)} req/s  p50 ${o.p50.toFixed(2)} ms  p99 ${o.p99.toFixed(2)} ms`);
  console.log(`  ratio ours/bare  : throughput ${(o.rps / b.rps).toFixed(2)}x, added latency p50 ${(o.p50 - b.p50).toFixed(2)} ms, p99 ${(o.p99 - b.p99).toFixed(2)} ms`);
  await client.close();
  await pool.close();
  await em.close();
}

function batchModel(): void {
  // Modelled GPU timing of a detector: a fixed per-call cost plus a per-image cost (stub base + per_item).
  const baseMs = 30;
  const perItemMs = 8;
  const frame = fixtureJpeg(640, 360).toString('base64');
  const price = GPU_PRICE_PER_SECOND.L4;
  console.log(`\nbatching (640x360 JPEG frames, modelled yolo timing ${baseMs} ms + ${perItemMs} ms/frame, L4 $${price}/s):`);
  console.log('  batch  body bytes  bytes/frame  GPU s/frame  USD per 1000 frames');
  for (const n of [1, 4, 8, 16]) {
    const bytes = bodyBytes({ images: Array(n).fill(frame) });
    const gpuS = (baseMs + perItemMs * n) / 1000 / n;
    console.log(`  ${String(n).padStart(5)}  ${String(bytes).padStart(10)}  ${String(Math.round(bytes / n)).padStart(11)}  ${gpuS.toFixed(4).padStart(11)}  ${(gpuS * price * 1000).toFixed(5).padStart(19)}`);
  }
}

type LocalModels = typeof import('../../src/local-models');
type LocalModelName = import('../../src/local-models').LocalModelName;
// Loaded on first use, so the throughput section never pays for tfjs and its threads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const localModels = (): LocalModels => require('../../src/local-models') as LocalModels;

/** Wall and CPU ms (all threads of this process: the machine is shared, CPU time is the steadier number). */
async function timed(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c = process.cpuUsage();
  const s = performance.now();
  await fn();
  const u = process.cpuUsage(c);
  return { wall: performance.now() - s, cpu: (u.user + u.system) / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

async function localWorkers(): Promise<void> {
  const { createLocalModel } = localModels();
  const jpg = fixtureJpeg(640, 480).toString('base64');
  const wav = fixtureWav(3).toString('base64');
  const inputs: Record<string, unknown> = {
    yolo: { images: [jpg] },
    emotion: { faces: [fixtureJpeg(96, 96).toString('base64')] },
    whisper: { audio_base64: wav, word_timestamps: true },
    vlm: { openai_route: '/v1/chat/completions', openai_input: { model: 'local', max_tokens: 128, messages: [{ role: 'user', content: 'Describe: person, car.' }] } },
  };
  const reps = quick ? 2 : 5;
  console.log(`\nlocal CPU workers (${reps} calls after init; 640x480 frame, 96x96 face, 3 s tone):`);
  for (const [name, input] of Object.entries(inputs)) {
    const w = createLocalModel(name as LocalModelName);
    try {
      const t0 = performance.now();
      await w.init();
      const initMs = performance.now() - t0;
      const times: number[] = [];
      for (let i = 0; i < reps; i++) {
        const s = performance.now();
        await w.handle(input, { jobId: `bench-${i}`, signal: new AbortController().signal });
        times.push(performance.now() - s);
      }
      console.log(`  ${name.padEnd(8)} init ${initMs.toFixed(0).padStart(6)} ms   per call p50 ${median(times).toFixed(1).padStart(7)} ms   (${w.model})`);
    } catch (err) {
      console.log(`  ${name.padEnd(8)} failed: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      await w.close();
    }
  }
}

/** The detector as configured by default (one pass) against two passes ([0, 0.5], the previous default), alternated. */
async function detectorPasses(): Promise<void> {
  const { CenterNetDetector } = localModels();
  const frames = { '640x360': fixtureJpeg(640, 360), '1920x1080': fixtureJpeg(1920, 1080) };
  const one = new CenterNetDetector();
  const two = new CenterNetDetector({ contexts: [0, 0.5] });
  const reps = quick ? 3 : 7;
  try {
    await Promise.all([one.init(), two.init()]);
    console.log(`\ndetector ms per frame, median of ${reps} (wall / CPU), one pass (default) vs two passes [0, 0.5]:`);
    for (const [size, buf] of Object.entries(frames)) {
      const input = { images: [buf.toString('base64')] };
      const run = (d: typeof one) => timed(() => d.handle(input, { jobId: 'bench', signal: new AbortController().signal }));
      await run(one); await run(two);
      const a: Array<{ wall: number; cpu: number }> = [];
      const b: Array<{ wall: number; cpu: number }> = [];
      for (let i = 0; i < reps; i++) { a.push(await run(one)); b.push(await run(two)); }
      const [aw, ac, bw, bc] = [median(a.map((x) => x.wall)), median(a.map((x) => x.cpu)), median(b.map((x) => x.wall)), median(b.map((x) => x.cpu))];
      console.log(`  ${size.padEnd(9)}  one pass ${aw.toFixed(0).padStart(4)} / ${ac.toFixed(0).padStart(4)} ms   two passes ${bw.toFixed(0).padStart(4)} / ${bc.toFixed(0).padStart(4)} ms   ratio two/one (CPU) ${(bc / ac).toFixed(2)}x`);
    }
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
}

/** sharp (libvips) against jpeg-js (pure JS) decoding the same frames to RGB, alternated. */
async function imageDecode(): Promise<void> {
  const { decodeImage } = localModels();
  const reps = quick ? 5 : 20;
  console.log(`\nJPEG decode to RGB, median of ${reps} (CPU ms), sharp vs jpeg-js:`);
  for (const [w, h] of [[640, 360], [1920, 1080]] as const) {
    const buf = fixtureJpeg(w, h);
    const viaSharp: number[] = [];
    const viaJpegJs: number[] = [];
    for (let i = 0; i < reps + 1; i++) {
      const a = await timed(() => decodeImage(buf));
      const b = await timed(async () => jpeg.decode(buf, { useTArray: true, formatAsRGBA: false }));
      if (i > 0) { viaSharp.push(a.cpu); viaJpegJs.push(b.cpu); }
    }
    const [s, j] = [median(viaSharp), median(viaJpegJs)];
    console.log(`  ${`${w}x${h}`.padEnd(9)}  sharp ${s.toFixed(1).padStart(6)} ms   jpeg-js ${j.toFixed(1).padStart(6)} ms   ratio jpeg-js/sharp ${(j / s).toFixed(1)}x`);
  }
}

(async () => {
  await throughput();
  batchModel();
  await localWorkers();
  await detectorPasses();
  await imageDecode();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
