import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { loadRunpodConfig } from '../../src/runpod/config';
import { RunpodSpendCapError } from '../../src/runpod/errors';
import { GPU_TIMING } from '../../src/runpod/gpu-timing';
import { RunpodEmulator } from '../../src/runpod/emulator';
import { spendWindowKey } from '../../src/runpod/shared-spend-cap';
import { registry } from '../../src/obs/metrics';
import { requireRedis } from '../helpers/services';
import { startPrivateRedis } from '../helpers/private-redis';
import { CostMeter } from '../../src/runpod/cost';
import { RedisSpendStore } from '../../src/runpod/shared-spend-cap';
import type { ModelName } from '../../src/runpod/contracts';
import { rig, stubEndpoints, TINY_B64, type Rig } from './helpers';

const CHILD = path.join(__dirname, 'fixtures', 'spend-cap-child.ts');
const ROOT = path.resolve(__dirname, '..', '..');

/** The price per GPU second at which one 1-image yolo call costs `usd` (modelled on the model's GPU). */
function pricePerCall(usd: number): number {
  const t = GPU_TIMING.yolo[loadRunpodConfig({}).models.yolo.gpu]!;
  return usd / ((t.baseMs + t.perItemMs) / 1000);
}

interface ChildResult { ok: number; refused: number; other: string[]; spentUsd: number; reservedUsd: number }

/** Spawn one child; resolves `ready` once it has its client, `done` with its JSON line. */
function startChild(env: Record<string, string>): { proc: ChildProcess; ready: Promise<void>; done: Promise<ChildResult> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => { onReady = resolve; });
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready\n')) onReady(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const done = new Promise<ChildResult>((resolve, reject) => {
    proc.once('exit', (code) => {
      const line = out.split('\n').filter((l) => l.startsWith('{')).pop();
      if (code !== 0 || !line) reject(new Error(`child exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as ChildResult);
    });
  });
  return { proc, ready, done };
}

describe('runpod spend cap shared on Redis: a hard limit across processes', function () {
  this.timeout(60_000);
  let redisUrl: string;
  let redis: Redis;
  const prefix = `test:spend:${process.pid}:${Date.now()}`;
  before(async () => {
    redisUrl = await requireRedis();
    redis = new Redis(redisUrl);
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('a $0.01 cap is never crossed by 64 concurrent callers in two processes; refused calls are never submitted', async () => {
    const emulator = await new RunpodEmulator({ sweepIntervalMs: 10, endpoints: stubEndpoints(['yolo'], { maxWorkers: 64, stub: { baseMs: 20 } }) }).start();
    const procs: ChildProcess[] = [];
    try {
      const key = `${prefix}:a`;
      const env = { EMU_API_BASE: emulator.apiBase, EMU_API_KEY: emulator.apiKey!, REDIS_URL: redisUrl, CAP_USD: '0.01', CAP_KEY: key, PRICE_PER_SEC: String(pricePerCall(0.001)), CALLS: '32', STAGGER_MS: '5' };
      const children = [startChild({ ...env, CHILD_TAG: 'a' }), startChild({ ...env, CHILD_TAG: 'b' })];
      procs.push(...children.map((c) => c.proc));
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.proc.stdin!.end('go\n');
      const res = await Promise.all(children.map((c) => c.done));
      for (const r of res) assert.deepEqual(r.other, [], 'only cap refusals');
      const ok = res.reduce((n, r) => n + r.ok, 0);
      const refused = res.reduce((n, r) => n + r.refused, 0);
      assert.equal(ok + refused, 64);
      const spent = res.reduce((n, r) => n + r.spentUsd, 0);
      assert.ok(spent <= 0.01 + 1e-9, `the two processes spent $${spent} together, over the $0.01 cap (${res.map((r) => r.ok).join(' + ')} calls ran)`);
      assert.ok(ok >= 9, `the cap admits as many calls as fit: ${ok}`);
      assert.ok(res.every((r) => r.ok > 0 || r.refused > 0));
      assert.equal(emulator.endpoint('yolo').stats.requests.run, ok, 'refused calls were never submitted');
      for (const r of res) assert.equal(r.reservedUsd, 0, 'every reservation settled');
      // The shared counter: reserved + settled, after every settle, is what was booked and never over the cap.
      const total = Number(await redis.get(spendWindowKey(key, 86_400)));
      assert.ok(total <= 10_000, `shared counter ${total} µ$ over the 10 000 µ$ cap`);
      assert.ok(Math.abs(total - Math.round(spent * 1e6)) <= ok, `shared counter ${total} µ$ is the booked $${spent}`);
      const ttl = await redis.pttl(spendWindowKey(key, 86_400));
      assert.ok(ttl > 0 && ttl <= 2 * 86_400_000, `the window's key expires (${ttl} ms)`);
    } finally {
      for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
      await emulator.close();
    }
  });

  describe('in one process', () => {
    let r: Rig | undefined;
    afterEach(async () => {
      await r?.close();
      r = undefined;
    });

    it('a failed job settles to what it booked and a refused-at-submit call gives its hold back', async () => {
      const key = `${prefix}:b`;
      r = await rig({ endpoints: stubEndpoints(['yolo'], { stub: { baseMs: 5 } }) }, {
        spendCapUsd: 0.01, spendCapRedisUrl: redisUrl, spendCapKeyPrefix: key, overheadSecondsPerCall: 0, cacheSize: 0,
        models: { yolo: { pricePerSecond: pricePerCall(0.001) } },
      });
      await r.client.call('yolo', { images: [TINY_B64] });
      await r.client.cost.settled();
      assert.equal(Number(await redis.get(spendWindowKey(key, 86_400))), 1000, 'one $0.001 call booked as 1000 µ$');
      // An endpoint that does not exist: nothing ran, nothing booked, the hold goes.
      r.client.config.models.yolo.endpointIds = ['missing'];
      await assert.rejects(r.client.call('yolo', { images: [`${TINY_B64}x`] }));
      await r.client.cost.settled();
      assert.equal(Number(await redis.get(spendWindowKey(key, 86_400))), 1000, 'a call that never ran gives its reservation back');
      // Another process spent the rest of the window: this one is refused without submitting.
      await redis.set(spendWindowKey(key, 86_400), 10_000);
      r.client.config.models.yolo.endpointIds = ['yolo'];
      const runs = r.emulator.endpoint('yolo').stats.requests.run;
      await assert.rejects(r.client.call('yolo', { images: [`${TINY_B64}y`] }), RunpodSpendCapError);
      assert.equal(r.emulator.endpoint('yolo').stats.requests.run, runs);
    });

    it('Redis unreachable: calls fall back to the local cap, counted, logged once, the URL never logged', async () => {
      const before = (await registry.getSingleMetric('video_agent_runpod_spend_cap_fallback_total')!.get()).values.reduce((n, v) => n + v.value, 0);
      r = await rig({ endpoints: stubEndpoints(['yolo'], { maxWorkers: 16, stub: { baseMs: 5 } }) }, {
        // Port 1 on loopback: nothing listens there. The password must not reach a log.
        spendCapUsd: 0.005, spendCapRedisUrl: 'redis://:s3cret-pw@127.0.0.1:1', spendCapKeyPrefix: `${prefix}:c`, overheadSecondsPerCall: 0, cacheSize: 0, maxInFlightPerEndpoint: 16,
        models: { yolo: { pricePerSecond: pricePerCall(0.001) } },
      });
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => r!.client.call('yolo', { images: [`${TINY_B64}${i}`] }).then(() => 'ok', (e: unknown) => e)));
      const ok = results.filter((x) => x === 'ok').length;
      assert.equal(ok + results.filter((x) => x instanceof RunpodSpendCapError).length, 16, results.filter((x) => x !== 'ok').map(String).join('; '));
      assert.ok(ok >= 4 && ok <= 5, `the local $0.005 cap still holds: ${ok} calls ran`);
      assert.ok(r.client.cost.snapshot().total.usd <= 0.005 + 1e-9);
      const after = (await registry.getSingleMetric('video_agent_runpod_spend_cap_fallback_total')!.get()).values.reduce((n, v) => n + v.value, 0);
      assert.ok(after > before, 'the fallback is counted');
      const warns = r.logs.filter((l) => /shared spend cap unreachable/.test(l));
      assert.equal(warns.length, 1, `logged once: ${warns.length}`);
      assert.ok(!r.logs.some((l) => l.includes('s3cret-pw')), 'the Redis password never reaches a log');
    });
    it('a Redis outage: calls fall back to the local cap while it is down, and use the shared counter again once it answers', async () => {
      const priv = await startPrivateRedis();
      const store = new RedisSpendStore(priv.url);
      const cfg = loadRunpodConfig({});
      const price = Object.fromEntries(Object.entries(cfg.models).map(([m]) => [m, pricePerCall(0.001)])) as Record<ModelName, number>;
      const meter = new CostMeter({ pricePerSecond: price, overheadSecondsPerCall: 0, spendCapUsd: 0.01, shared: { store, keyPrefix: 'spend', windowS: 86_400, retryAfterMs: 100 } });
      const basis = { gpu: cfg.models.yolo.gpu, input: { images: [TINY_B64] } };
      const counter = async () => {
        const r = new Redis(priv.url, { maxRetriesPerRequest: 1 });
        try { return Number(await r.get(spendWindowKey('spend', 86_400))); } finally { r.disconnect(); }
      };
      const fallbacks = async () => (await registry.getSingleMetric('video_agent_runpod_spend_cap_fallback_total')!.get()).values.reduce((n, v) => n + v.value, 0);
      try {
        (await meter.acquire('yolo', undefined, basis)).release(0.001);
        await meter.settled();
        assert.equal(await counter(), 1000, 'shared while Redis answers');
        await priv.stop();
        const before = await fallbacks();
        (await meter.acquire('yolo', undefined, basis)).release(0);
        assert.ok((await fallbacks()) > before, 'the outage is counted');
        assert.equal(meter.reservedTotalUsd, 0);
        await priv.start();
        // ioredis reconnects on its own (backoff up to 2 s); the meter tries the store again after retryAfterMs.
        const end = Date.now() + 10_000;
        let shared = false;
        while (!shared && Date.now() < end) {
          const n = await fallbacks();
          const r = await meter.acquire('yolo', undefined, basis);
          r.release(0.001);
          await meter.settled();
          shared = (await fallbacks()) === n && (await counter()) > 0;
          if (!shared) await new Promise((res) => setTimeout(res, 150));
        }
        assert.ok(shared, 'back on the shared counter once Redis answers');
      } finally {
        await store.close();
        await priv.close();
      }
    });
  });
});
