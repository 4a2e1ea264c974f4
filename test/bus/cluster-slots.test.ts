import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { RedisBus } from '../../src/bus/redis-bus';
import { leaseName, stageStateKey, streamKey, TOPICS, groupBySlotTag } from '../../src/bus/keys';
import { fenceKey, RedisLeaseBackend } from '../../src/bus/redis-lease-backend';
import { fencedSet } from '../../src/bus/fenced';
import { endedKey } from '../../src/bus/stream-end';
import { deleteKeysWithPrefix } from '../../src/bus/purge';
import { RedisSpendStore, spendWindowKey } from '../../src/runpod/shared-spend-cap';
import { requireRedis } from '../helpers/services';
import { waitFor } from './helpers';

// ioredis's own slot function (Redis Cluster's CRC16 of the hash tag), installed with ioredis.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const slotOf = require('cluster-key-slot') as (key: string) => number;

const ROOT = path.resolve(__dirname, '..', '..');

/** Every `new Script(` and `.eval(` in src/: the script call sites this test must see run. */
function scriptSitesInSource(): number {
  let n = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith(`${path.sep}scripts.ts`)) n += (fs.readFileSync(p, 'utf8').match(/new Script\(|\.eval\(/g) ?? []).length;
    }
  };
  walk(path.join(ROOT, 'src'));
  return n;
}

/** Records the keys of every EVAL / EVALSHA sent on `redis`, by script (body or SHA). */
function recordScripts(redis: Redis): Map<string, string[][]> {
  const calls = new Map<string, string[][]>();
  const wrap = (name: 'eval' | 'evalsha') => {
    const orig = redis[name].bind(redis) as (...a: unknown[]) => Promise<unknown>;
    (redis as unknown as Record<string, unknown>)[name] = (script: string, numKeys: number, ...rest: unknown[]) => {
      const id = name === 'eval' ? (require('node:crypto') as typeof import('node:crypto')).createHash('sha1').update(script).digest('hex') : script;
      const keys = rest.slice(0, Number(numKeys)).map(String);
      calls.set(id, [...(calls.get(id) ?? []), keys]);
      return orig(script, numKeys, ...rest);
    };
  };
  wrap('eval');
  wrap('evalsha');
  return calls;
}

describe('bus: Redis Cluster hash tags (every key of one script call in one slot)', function () {
  this.timeout(30_000);

  it('every key of one stream hashes to the slot of its stream id, and different streams spread', () => {
    for (const id of ['cam-1', 'room-7:alice', 'a.b_c']) {
      const slot = slotOf(id);
      const keys = [
        ...TOPICS.map((t) => streamKey(t, id)), leaseName('detection', id), fenceKey(leaseName('audio', id)), stageStateKey('vlm', id), endedKey(id),
      ];
      for (const k of keys) assert.equal(slotOf(`t:prefix:${k}`), slot, `${k} in the slot of ${id}`);
    }
    assert.notEqual(slotOf(streamKey('frames', 'cam-1')), slotOf(streamKey('frames', 'cam-2')), 'streams are not pinned to one slot');
    assert.deepEqual(groupBySlotTag(['p:video:{a}', 'p:audio:{b}', 'p:audio:{a}', 'p:plain']), [['p:video:{a}', 'p:audio:{a}'], ['p:audio:{b}'], ['p:plain']]);
  });

  it('each script call site sends keys of one slot only (leases, fences, trim check, spend cap)', async () => {
    const url = await requireRedis();
    const redis = new Redis(url, { maxRetriesPerRequest: 3 });
    const calls = recordScripts(redis);
    const prefix = `t:slots:${process.pid}:${Date.now()}:`;
    const bus = new RedisBus(redis, { prefix });
    const store = new RedisSpendStore(url);
    try {
      // Leases: acquire (lease + fence), renew, release.
      const backend = new RedisLeaseBackend(redis, prefix);
      const name = leaseName('detection', 'cam-1');
      const token = await backend.acquire(name, 'holder-1', 5000);
      assert.ok(token > 0);
      assert.equal(await backend.renew(name, 'holder-1', 5000), true);
      const fence = { lease: name, token };
      // Fenced XACK and the trim check, over keys of two streams and two topics in one consumer.
      const keys = [streamKey('frames', 'cam-1'), streamKey('audio', 'cam-1'), streamKey('frames', 'cam-2')];
      for (const k of keys) await bus.publish(k, { n: 1 });
      let got = 0;
      const c = bus.consume({ group: 'detection', consumer: 'w', keys: keys.slice(0, 2), batch: 8, blockMs: 50, fence, batchHandler: async (ds) => { got += ds.length; } });
      const c2 = bus.consume({ group: 'detection', consumer: 'w', keys, batch: 8, blockMs: 50, handler: async () => undefined });
      await waitFor(() => got === 2, 5000, 'the fenced consumer reads its two keys');
      await waitFor(async () => Number(((await redis.xpending(prefix + keys[0], 'detection')) as [number])[0]) === 0, 5000, 'acknowledged through the fence');
      await c.stop();
      await c2.stop();
      // Fenced state write.
      assert.equal(await fencedSet(redis, prefix, fence, stageStateKey('detection', 'cam-1'), 'x', 60), true);
      await backend.release(name, 'holder-1');
      // The spend cap's scripts (their own connection).
      const spendCalls = recordScripts((store as unknown as { redis: Redis }).redis);
      const key = spendWindowKey(`${prefix}spend`, 86_400);
      assert.equal((await store.reserve(key, 10, 100, 60_000)).ok, true);
      await store.adjust(key, -10, 60_000);
      for (const [id, list] of spendCalls) calls.set(id, [...(calls.get(id) ?? []), ...list]);

      const sites = scriptSitesInSource();
      assert.ok(calls.size >= sites, `${calls.size} distinct scripts ran, ${sites} script call sites in src/: cover the new one here`);
      for (const [id, list] of calls) {
        for (const ks of list) {
          const slots = new Set(ks.map(slotOf));
          assert.equal(slots.size, 1, `script ${id.slice(0, 8)} called with keys in ${slots.size} slots: ${ks.join(', ')}`);
        }
      }
    } finally {
      await store.close();
      await deleteKeysWithPrefix(redis, prefix);
      await bus.close();
    }
  });
});
