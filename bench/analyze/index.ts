/**
 * bench/analyze — measurements, each against a baseline taken in the same run:
 * 1. Whole processes: `video-agent analyze` (detection + audio + vlm, stub endpoints at 0 ms in a
 *    `video-agent emulate` process, local Postgres) vs `video-agent ingest` of the same 1080p30 H.264 + AAC
 *    file at 10 fps, interleaved rounds, median ratio: what the stages, the client, the emulator round trips
 *    and the writes add on top of decoding, start-up included. 30 s file (quick: 15 s), cached in ./data/bench.
 *    Beside it, the same comparison timed inside one process (analyzeSource vs a bare Session).
 * 2. frame → detection latency on Redis: frames published on `video:<id>` at 10 fps, a real StageWorker
 *    (`worker --stage detection`, stub yolo at 0 ms, tracker, store) answers on `detections:<id>`; p50/p95
 *    from publish to receipt, against bare Redis XADD→XREAD of the same frame (the transport floor).
 * Postgres: TEST_DATABASE_URL (default 127.0.0.1:5432/test, schema bench_analyze).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, startEmulator } from '../common/emulator-process';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import jpeg from 'jpeg-js';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { openRuntime } from '../../src/analyze/runtime';
import { openRedis } from '../../src/analyze/redis';
import { StageWorker } from '../../src/analyze/stage-worker';
import { parseStages } from '../../src/stages';
import { streamKey } from '../../src/bus';
import { CODECS } from '../../src/topics';
import { openSource } from '../../src/ingest';
import { generateClip } from '../../src/media';
import { startLocalInference } from '../../src/runpod';
import { openStore } from '../../src/store';
import { deleteKeysWithPrefix } from '../../src/bus/purge';

const quick = process.argv.includes('--quick');
const DURATION_S = process.env.BENCH_ANALYZE_S ? Number(process.env.BENCH_ANALYZE_S) : quick ? 15 : 30;
const ROUNDS = quick ? 1 : 3;
const FPS = 10;
const DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const ZERO = { baseMs: 0, perItemMs: 0 };
const STUBS = {
  yolo: { backend: 'stub' as const, model: 'yolo' as const, stub: ZERO },
  whisper: { backend: 'stub' as const, model: 'whisper' as const, stub: ZERO },
  vlm: { backend: 'stub' as const, model: 'vlm' as const, stub: ZERO },
};

/** Wall ms of one CLI run; throws with its output when it fails. */
function timeCli(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`video-agent ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return ms;
}

/** Whole-process analyze vs whole-process ingest, interleaved; each analyze round writes fresh rows. */
async function wholeProcess(file: string): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-analyze-'));
  const cfg = path.join(work, 'stubs.yaml');
  fs.writeFileSync(cfg, ['endpoints:', ...['yolo', 'whisper', 'vlm'].flatMap((m) => [`  ${m}:`, '    backend: stub', `    model: ${m}`, '    maxWorkers: 8', '    stub: { baseMs: 0, perItemMs: 0 }'])].join('\n') + '\n');
  const emu = await startEmulator(cfg);
  const admin = await openStore({ databaseUrl: DB, migrate: false });
  try {
    const base = { ...process.env, LOG_LEVEL: 'warn' };
    const env = {
      ...base, DATABASE_URL: `${DB}${DB.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c search_path=bench_analyze_cli')}`,
      RUNPOD_API_KEY: emu.apiKey, RUNPOD_API_BASE: emu.apiBase,
      RUNPOD_YOLO_ENDPOINT_ID: 'yolo', RUNPOD_WHISPER_ENDPOINT_ID: 'whisper', RUNPOD_VLM_ENDPOINT_ID: 'vlm',
    };
    await admin.pool.query('DROP SCHEMA IF EXISTS bench_analyze_cli CASCADE');
    await admin.pool.query('CREATE SCHEMA bench_analyze_cli');
    // A first run migrates the schema and warms the page cache: not timed.
    timeCli(['analyze', file, '--fps', String(FPS), '--no-progress', '--stream-id', 'bench-warm', '--data-dir', work], env);
    const ingest: number[] = [];
    const analyze: number[] = [];
    const rounds = quick ? 1 : 3;
    for (let r = 0; r < rounds; r++) {
      ingest.push(timeCli(['ingest', file, '--fps', String(FPS), '--no-progress', '--json'], base));
      analyze.push(timeCli(['analyze', file, '--fps', String(FPS), '--no-progress', '--stream-id', `bench-cli-${r}`, '--data-dir', work], env));
      console.log(`round ${r + 1} (whole process): ingest ${(ingest[r] / 1000).toFixed(2)} s, analyze ${(analyze[r] / 1000).toFixed(2)} s, ratio ${(analyze[r] / ingest[r]).toFixed(2)}`);
    }
    const rows = await admin.pool.query(`SELECT count(*) AS n FROM bench_analyze_cli.frames WHERE stream_id = 'bench-cli-0'`);
    console.log(`RESULT whole-process analyze/ingest time ratio (median of ${rounds}): ${(median(analyze) / median(ingest)).toFixed(2)} (ingest ${(median(ingest) / 1000).toFixed(2)} s, analyze ${(median(analyze) / 1000).toFixed(2)} s; ${rows.rows[0].n} frames rows per run)`);
  } finally {
    emu.stop();
    await admin.pool.query('DROP SCHEMA IF EXISTS bench_analyze_cli CASCADE').catch(() => undefined);
    await admin.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A 640×360 gradient JPEG (~the size of a sampled frame). */
function testJpeg(w: number, h: number): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) { data[i * 4] = i % 251; data[i * 4 + 1] = (i / w) % 256; data[i * 4 + 2] = (i * 7) % 253; data[i * 4 + 3] = 255; }
  return jpeg.encode({ data, width: w, height: h }, 80).data;
}

const pct = (v: number[], p: number) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const median = (v: number[]) => pct(v, 50);

async function ingestOnly(file: string): Promise<number> {
  const t0 = performance.now();
  const session = await openSource(file, { streamId: 'bench-ingest', params: { fps: FPS } });
  await session.run({ onFrame: () => undefined, onAudio: () => undefined });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const file = await generateClip({ durationS: DURATION_S, width: 1920, height: 1080, fps: 30, audio: 'tone', pattern: 'ball', dir: path.resolve('data', 'bench') });
  console.log(`file: ${file} (${DURATION_S} s 1080p30 H.264 + AAC), sampled at ${FPS} fps to 640x360 JPEG`);
  await wholeProcess(file);

  const admin = await openStore({ databaseUrl: DB, migrate: false });
  await admin.pool.query('DROP SCHEMA IF EXISTS bench_analyze CASCADE');
  await admin.close();
  const store = await openStore({ databaseUrl: DB, schema: 'bench_analyze' });
  const inference = await startLocalInference({ env: {}, emulator: { endpoints: STUBS } });
  const rt = await openRuntime({ store, runpod: inference.client.runpod });

  // 1b. The same inside one process (no start-up on either side), interleaved rounds.
  const base: number[] = [];
  const full: number[] = [];
  let last: Awaited<ReturnType<typeof analyzeSource>> | null = null;
  for (let r = 0; r < ROUNDS; r++) {
    base.push(await ingestOnly(file));
    await store.pool.query('TRUNCATE frames, detections, audio_segments, events, memory_chunks, skips, endpoint_calls');
    const t0 = performance.now();
    last = await analyzeSource(rt, { input: file, stages: parseStages('detection,audio,vlm'), fps: FPS, streamId: 'bench-analyze' });
    full.push(performance.now() - t0);
    console.log(`round ${r + 1}: ingest-only ${(base[r] / 1000).toFixed(2)} s, analyze ${(full[r] / 1000).toFixed(2)} s`);
  }
  const s = last!;
  console.log(`analyze rows: frames ${s.rows.frames}, detections ${s.rows.detections}, audio_segments ${s.rows.audio_segments}, events ${s.rows.events}; endpoint calls ${s.calls.map((c) => `${c.endpoint} ${c.calls}`).join(', ')}`);
  const ratio = median(full) / median(base);
  console.log(`RESULT in-process analyze/ingest-only time ratio (median of ${ROUNDS}): ${ratio.toFixed(2)} (ingest ${(median(base) / 1000).toFixed(2)} s, analyze ${(median(full) / 1000).toFixed(2)} s, ${(DURATION_S / (median(full) / 1000)).toFixed(1)}x real time)`);

  // 2. frame → detection latency through Redis and a real detection worker.
  const n = quick ? 60 : 300;
  const prefix = `bench:analyze:${crypto.randomBytes(3).toString('hex')}:`;
  const raw = new Redis(REDIS);
  const pubConn = await openRedis(REDIS, { prefix });
  const workConn = await openRedis(REDIS, { prefix });
  const worker = new StageWorker({ stage: 'detection', bus: workConn.bus, state: workConn.state, services: rt.services, consumer: 'bench-w', discoverMs: 50, leaseTtlMs: 5000 });
  const frameJpeg = testJpeg(640, 360);
  console.log('measuring frame → detection latency on Redis…');
  const sent = new Map<number, number>();
  const lat: number[] = [];
  const got = new Promise<void>((resolve) => {
    const c = pubConn.bus.consume({
      group: 'bench-reader', consumer: 'r', keys: [streamKey('detections', 'bench-lat')], blockMs: 100,
      handler: async (d) => {
        const { ptsUs } = CODECS.detections.decode(d);
        const t = sent.get(ptsUs);
        if (t !== undefined) lat.push(performance.now() - t);
        if (lat.length >= n) { resolve(); void c; }
      },
    });
  });
  worker.start();
  for (let i = 0; i < n; i++) {
    const ptsUs = i * 100_000;
    sent.set(ptsUs, performance.now());
    // Distinct bytes per frame so the client's content cache cannot answer.
    const f = { streamId: 'bench-lat', ptsUs, ts: Date.now(), width: 640, height: 360, jpeg: Buffer.concat([frameJpeg, Buffer.from(String(i))]), sceneScore: null };
    await pubConn.bus.publish(streamKey('frames', 'bench-lat'), CODECS.frames.encode(f));
    await new Promise((r) => setTimeout(r, 1000 / FPS));
  }
  await Promise.race([got, new Promise((r) => setTimeout(r, 30_000))]);
  // Floor: the same frame through bare XADD + XREAD on one connection.
  const floor: number[] = [];
  for (let i = 0; i < 100; i++) {
    const key = `${prefix}floor`;
    const t0 = performance.now();
    const id = await raw.xadd(key, 'MAXLEN', '~', '1000', '*', 'jpeg', frameJpeg);
    await raw.xrange(key, id as string, id as string);
    floor.push(performance.now() - t0);
  }
  console.log(`RESULT frame→detection on Redis via a detection worker (stub yolo 0 ms): ${lat.length}/${n} frames, p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms; bare XADD+XRANGE floor p50 ${pct(floor, 50).toFixed(2)} ms (ratio p50 ${(pct(lat, 50) / pct(floor, 50)).toFixed(0)}x)`);

  await worker.stop();
  await pubConn.close();
  await workConn.close();
  await deleteKeysWithPrefix(raw, prefix);
  await raw.quit();
  await rt.close();
  await inference.close();
  await store.close();
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
