/**
 * bench/runpod: (1) our client's throughput and added latency through the emulator (stub worker, 0 ms) at
 * concurrency 64, against a bare undici loop on the same emulator; (2) payload bytes and modelled GPU seconds
 * per frame for batch sizes 1/4/8/16; (3) ms per call of each local worker (src/local-models).
 */
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
    const res = await pool.request({ method: 'POST', path: '/v2/yolo/runsync?wait=30000', body, headers: { 'content-type': 'application/json' } });
    const j = (await res.body.json()) as { status: string };
    if (j.status !== 'COMPLETED') throw new Error(`bare: ${j.status}`);
  };
  const cfg = withOverrides(loadRunpodConfig({ RUNPOD_API_BASE: em.apiBase }), { maxInFlightPerEndpoint: CONCURRENCY, cacheSize: 0, connections: CONCURRENCY });
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

async function localWorkers(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createLocalModel } = require('../../src/local-models') as typeof import('../../src/local-models/types') & { createLocalModel: (n: string) => import('../../src/local-models/types').LocalModel };
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
    const w = createLocalModel(name);
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
      times.sort((a, b) => a - b);
      console.log(`  ${name.padEnd(8)} init ${initMs.toFixed(0).padStart(6)} ms   per call p50 ${pct(times, 0.5).toFixed(1).padStart(7)} ms   (${w.model})`);
    } catch (err) {
      console.log(`  ${name.padEnd(8)} failed: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      await w.close();
    }
  }
}

(async () => {
  await throughput();
  batchModel();
  await localWorkers();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
