/**
 * Frame → detection round trip on Redis Streams: publish a video message carrying a ~30 KB JPEG, a
 * consumer-group member reads it and publishes a detections message, a second group reads that; latency
 * from publish to receipt, closed loop (one frame in flight), p50/p95. Baseline: the same loop on the
 * in-process bus in the same run. `--quick`: 200 frames instead of 1000.
 */
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { MemoryBus } from '../../src/bus/memory-bus';
import { RedisBus } from '../../src/bus/redis-bus';
import { CODECS } from '../../src/topics';
import { streamKey } from '../../src/bus/keys';
import type { Bus } from '../../src/bus/types';

const quick = process.argv.includes('--quick');
const N = quick ? 200 : 1000;
const WARMUP = 20;
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function roundTrips(bus: Bus, label: string): Promise<{ p50: number; p95: number }> {
  const jpeg = crypto.randomBytes(30 * 1024);
  const streamId = 'bench';
  // The detection worker: frame in, detections out (what `worker --stage detection` does, minus inference).
  const worker = bus.consume({
    group: 'detection', consumer: 'w1', topic: 'frames', batch: 1, blockMs: 1000, discoverIntervalMs: 20,
    handler: async (d) => {
      const f = CODECS.frames.decode(d);
      await bus.publish(streamKey('detections', f.streamId), CODECS.detections.encode({
        streamId: f.streamId, ptsUs: f.ptsUs, ts: f.ts, width: f.width, height: f.height, skipped: null,
        detections: [{ className: 'person', classId: 0, bbox: [1, 2, 3, 4], confidence: 0.9, trackId: 1 }],
      }));
    },
  });
  let resolveOne: ((ptsUs: number) => void) | null = null;
  const sink = bus.consume({
    group: 'bench', consumer: 'r1', topic: 'detections', batch: 1, blockMs: 1000, discoverIntervalMs: 20,
    handler: async (d) => { resolveOne?.(CODECS.detections.decode(d).ptsUs); },
  });
  await bus.registerStream(streamId);
  const lat: number[] = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const got = new Promise<number>((r) => { resolveOne = r; });
    const t0 = performance.now();
    await bus.publish(streamKey('frames', streamId), CODECS.frames.encode({ streamId, ptsUs: i * 100_000, ts: Date.now(), width: 1280, height: 720, jpeg, sceneScore: null }));
    const pts = await got;
    if (pts !== i * 100_000) throw new Error(`${label}: out of order (${pts})`);
    if (i >= WARMUP) lat.push(performance.now() - t0);
  }
  await worker.stop();
  await sink.stop();
  lat.sort((a, b) => a - b);
  const r = { p50: pct(lat, 50), p95: pct(lat, 95) };
  console.log(`${label.padEnd(34)} p50 ${r.p50.toFixed(2)} ms  p95 ${r.p95.toFixed(2)} ms  (${N} frames, 30 KB JPEG)`);
  return r;
}

async function main(): Promise<void> {
  const mem = new MemoryBus();
  const base = await roundTrips(mem, 'in-process bus (baseline)');
  await mem.close();

  const prefix = `bench:bus:${crypto.randomBytes(3).toString('hex')}:`;
  const redisBus = new RedisBus(REDIS, { prefix, maxLen: 1000 });
  const admin = new Redis(REDIS);
  try {
    const r = await roundTrips(redisBus, 'redis streams (XADD→XREADGROUP×2)');
    console.log(`ratio redis / in-process: p50 ${(r.p50 / base.p50).toFixed(1)}x, p95 ${(r.p95 / base.p95).toFixed(1)}x`);
  } finally {
    await redisBus.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
