import assert from 'node:assert/strict';
import type { RedisBus } from '../../src/bus/redis-bus';
import type { Consumer } from '../../src/bus/types';
import { leaseName, stageStateKey, streamKey } from '../../src/bus/keys';
import { MemoryBus } from '../../src/bus/memory-bus';
import { openRedis, type RedisConnection } from '../../src/analyze/redis';
import { requireRedis } from '../helpers/services';
import { type RedisFixture, useRedisBus, tick, waitFor } from './helpers';

const pendingOf = async (fx: RedisFixture, key: string, group: string) =>
  Number(((await fx.redis.xpending(fx.prefix + key, group)) as [number])[0]);

describe('bus: lease fencing (a paused old holder can neither acknowledge nor overwrite state)', () => {
  let fx: RedisFixture;
  let bus: RedisBus;
  const consumers: Consumer[] = [];
  const conns: RedisConnection[] = [];
  useRedisBus((b, f) => { bus = b; fx = f; }, consumers);
  afterEach(async () => { for (const c of conns.splice(0)) await c.close(); });

  it('every acquisition of a lease gets a larger fencing token', async () => {
    const name = leaseName('detection', 'f1');
    const a = await bus.leases.tryAcquire(name, 200);
    assert.ok(a);
    assert.equal(await bus.leases.tryAcquire(name, 200), null, 'held');
    await a.release();
    const b = await bus.leases.tryAcquire(name, 200);
    assert.ok(b);
    assert.ok(b.fence > a.fence, `${b.fence} > ${a.fence}`);
    assert.equal(await bus.leases.currentFence(name), b.fence);
    await b.release();
    const mem = new MemoryBus().leases;
    const m1 = await mem.tryAcquire(name, 100);
    await m1!.release();
    const m2 = await mem.tryAcquire(name, 100);
    assert.ok(m2!.fence > m1!.fence);
    await m2!.release();
  });

  it('holder A stops renewing, B takes over; A wakes: its state write and XACK are refused, B\'s state intact', async () => {
    const name = leaseName('detection', 'cam');
    const stateKey = stageStateKey('detection', 'cam');
    const conn = await openRedis(await requireRedis(), { prefix: fx.prefix });
    conns.push(conn);
    const store = conn.state;
    for (let n = 0; n < 4; n++) await bus.publish(streamKey('frames', 'cam'), { n });

    const a = await bus.leases.tryAcquire(name, 300);
    assert.ok(a);
    const fenceA = { lease: name, token: a.fence };
    let wake!: () => void;
    const paused = new Promise<void>((r) => { wake = r; });
    let aRead = 0;
    const ca = bus.consume({
      group: 'detection', consumer: 'A', keys: [streamKey('frames', 'cam')], batch: 4, blockMs: 50, fence: fenceA,
      batchHandler: async (ds) => { aRead += ds.length; await paused; },
    });
    consumers.push(ca);
    await waitFor(() => aRead === 4, 5000, 'A reads the batch');
    assert.equal(await store.setFenced!(stateKey, 'A-1', fenceA), true, 'A may write while it holds the lease');

    a.abandon(); // A pauses: no more renewals
    await tick(400);
    const b = await bus.leases.tryAcquire(name, 5000);
    assert.ok(b, 'B takes the expired lease');
    const fenceB = { lease: name, token: b.fence };
    assert.equal(await store.setFenced!(stateKey, 'B-1', fenceB), true);

    wake(); // A resumes and finishes its batch: the XACK must be refused
    await tick(300);
    assert.equal(ca.stats.handled, 0, 'A acknowledged nothing');
    assert.equal(await pendingOf(fx, streamKey('frames', 'cam'), 'detection'), 4, 'A\'s batch is still pending for B');
    assert.equal(await store.setFenced!(stateKey, 'A-2', fenceA), false, 'A\'s state write is refused');
    assert.equal(await store.get(stateKey), 'B-1', 'B\'s state is intact');

    // B claims A's entries and acknowledges them through its own (current) fence.
    const got: number[] = [];
    const cb = bus.consume({
      group: 'detection', consumer: 'B', keys: [streamKey('frames', 'cam')], batch: 4, blockMs: 50, claimIdleMs: 0, claimIntervalMs: 50, fence: fenceB,
      batchHandler: async (ds) => { got.push(...ds.map((d) => Number(d.fields.n.toString()))); },
    });
    consumers.push(cb);
    await waitFor(() => cb.stats.handled === 4, 5000, 'B handles the four');
    assert.equal(await pendingOf(fx, streamKey('frames', 'cam'), 'detection'), 0);
    await b.release();
  });
});
