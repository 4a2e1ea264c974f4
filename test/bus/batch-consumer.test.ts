import assert from 'node:assert/strict';
import { streamKey } from '../../src/bus/keys';
import { MemoryBus } from '../../src/bus/memory-bus';
import type { RedisBus } from '../../src/bus/redis-bus';
import type { Consumer, Delivery } from '../../src/bus/types';
import { VideoAgentError } from '../../src/errors';
import { type RedisFixture, useRedisBus, tick, waitFor } from './helpers';

const nOf = (d: Delivery) => Number(d.fields.n.toString());
const pendingOf = async (fx: RedisFixture, key: string, group: string) =>
  Number(((await fx.redis.xpending(fx.prefix + key, group)) as [number])[0]);

describe('bus: batch consumers (one handler call and one XACK per read)', () => {
  let fx: RedisFixture;
  let bus: RedisBus;
  const consumers: Consumer[] = [];
  useRedisBus((b, f) => { bus = b; fx = f; }, consumers);

  it('hands over whole reads in stream order, and acknowledges a batch only after the handler resolved', async () => {
    for (let n = 0; n < 20; n++) await bus.publish(streamKey('frames', 'cam'), { n });
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const c = bus.consume({
      group: 'detection', consumer: 'w', keys: [streamKey('frames', 'cam')], batch: 8, blockMs: 50,
      batchHandler: async (ds) => { batches.push(ds.map(nOf)); if (batches.length === 1) await gate; },
    });
    consumers.push(c);
    await waitFor(() => batches.length === 1, 5000, 'first batch');
    assert.deepEqual(batches[0], [0, 1, 2, 3, 4, 5, 6, 7]);
    await tick(100);
    assert.equal(await pendingOf(fx, streamKey('frames', 'cam'), 'detection'), 8, 'nothing acknowledged while the handler runs');
    release();
    await waitFor(() => c.stats.handled === 20, 5000, 'all handled');
    assert.deepEqual(batches, [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19]]);
    assert.equal(await pendingOf(fx, streamKey('frames', 'cam'), 'detection'), 0);
  });

  it('a failed batch stays pending as a whole, is redelivered together, then retried entry by entry before any drop', async () => {
    for (let n = 0; n < 3; n++) await bus.publish(streamKey('events', 'x'), { n });
    const seen: number[][] = [];
    const c = bus.consume({
      group: 'g', consumer: 'w', keys: [streamKey('events', 'x')], batch: 10, blockMs: 50, claimIdleMs: 50, claimIntervalMs: 50, maxDeliveries: 3,
      batchHandler: async (ds) => { seen.push(ds.map(nOf)); throw new Error('endpoint down'); },
    });
    consumers.push(c);
    await waitFor(() => c.stats.dropped === 3, 10_000, 'dropped after 3 deliveries');
    assert.deepEqual(seen.slice(0, 3), [[0, 1, 2], [0, 1, 2], [0, 1, 2]], 'redelivered as the same batch (XAUTOCLAIM)');
    assert.deepEqual(seen.slice(3), [[0], [0], [0], [1], [1], [1], [2], [2], [2]], 'then each entry alone, maxDeliveries times');
    assert.equal(c.stats.failed, 9);
    assert.equal(c.stats.handled, 0);
    assert.equal(await pendingOf(fx, streamKey('events', 'x'), 'g'), 0);
  });

  it('abort() acknowledges nothing of the batch in flight; a live member claims all of it', async () => {
    for (let n = 0; n < 6; n++) await bus.publish(streamKey('frames', 'k'), { n });
    let entered = false;
    const doomed = bus.consume({
      group: 'detection', consumer: 'doomed', keys: [streamKey('frames', 'k')], batch: 4, blockMs: 50,
      // Resolves after the abort: a crashed process would never get to the XACK.
      batchHandler: async () => { entered = true; await tick(200); },
    });
    await waitFor(() => entered, 5000, 'doomed reads a batch');
    doomed.abort();
    await tick(300);
    assert.equal(doomed.stats.handled, 0);
    assert.equal(await pendingOf(fx, streamKey('frames', 'k'), 'detection'), 4, 'its whole batch is still pending');
    const got: number[] = [];
    const live = bus.consume({
      group: 'detection', consumer: 'live', keys: [streamKey('frames', 'k')], batch: 10, blockMs: 50, claimIdleMs: 100, claimIntervalMs: 50,
      batchHandler: async (ds) => { got.push(...ds.map(nOf)); },
    });
    consumers.push(live);
    await waitFor(() => got.length === 6, 5000, 'all six handled');
    assert.deepEqual([...got].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
    assert.equal(live.stats.claimed, 4);
  });

  it('takes exactly one of handler and batchHandler', () => {
    assert.throws(() => bus.consume({ group: 'g', consumer: 'w', keys: [streamKey('frames', 'z')] }), VideoAgentError);
    assert.throws(() => new MemoryBus().consume({ group: 'g', consumer: 'w', keys: [streamKey('frames', 'z')], handler: async () => {}, batchHandler: async () => {} }), /exactly one of handler and batchHandler/);
  });

  it('in-process: batches what is queued (bounded by batch), retries a failed batch in order', async () => {
    const mem = new MemoryBus();
    for (let n = 0; n < 10; n++) await mem.publish(streamKey('frames', 'm'), { n });
    const batches: number[][] = [];
    let failOnce = true;
    const c = mem.consume({
      group: 'detection', consumer: 'a', keys: [streamKey('frames', 'm')], batch: 4,
      batchHandler: async (ds) => {
        batches.push(ds.map(nOf));
        if (failOnce && batches.length === 2) { failOnce = false; throw new Error('transient'); }
      },
    });
    await waitFor(() => c.stats.handled === 10, 5000, 'all handled');
    assert.deepEqual(batches, [[0, 1, 2, 3], [4, 5, 6, 7], [4, 5, 6, 7], [8, 9]]);
    assert.equal(c.stats.failed, 4);
    await mem.close();
  });
});
