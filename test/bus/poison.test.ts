import assert from 'node:assert/strict';
import { streamKey } from '../../src/bus/keys';
import { MemoryBus } from '../../src/bus/memory-bus';
import type { RedisBus } from '../../src/bus/redis-bus';
import type { Consumer, Delivery } from '../../src/bus/types';
import { type RedisFixture, useRedisBus, waitFor } from './helpers';

const nOf = (d: Delivery) => Number(d.fields.n.toString());
const POISON = 7;

/** A batch handler that processes every entry but throws on the poison one (as a stage bug would). */
function poisonedHandler(processed: Set<number>) {
  return async (ds: Delivery[]) => {
    if (ds.some((d) => nOf(d) === POISON)) throw new Error(`cannot handle entry ${POISON}`);
    for (const d of ds) processed.add(nOf(d));
  };
}

describe('bus: a poison entry is isolated, recorded and acknowledged alone (the rest of its batch is processed)', () => {
  let fx: RedisFixture;
  let bus: RedisBus;
  const consumers: Consumer[] = [];
  useRedisBus((b, f) => { bus = b; fx = f; }, consumers);

  it('Redis: a batch of 16 with one throwing entry → 15 processed, 1 recorded drop, nothing pending', async () => {
    for (let n = 0; n < 16; n++) await bus.publish(streamKey('frames', 'p'), { n, ptsUs: n * 100_000 });
    const processed = new Set<number>();
    const drops: { n: number; err: string }[] = [];
    const c = bus.consume({
      group: 'detection', consumer: 'w', keys: [streamKey('frames', 'p')], batch: 16, blockMs: 50, claimIdleMs: 30, claimIntervalMs: 30, maxDeliveries: 3,
      batchHandler: poisonedHandler(processed),
      onDrop: async (d, err) => { drops.push({ n: nOf(d), err: (err as Error).message }); },
    });
    consumers.push(c);
    await waitFor(() => processed.size === 15 && drops.length === 1, 15_000, '15 processed and one drop');
    assert.deepEqual([...processed].sort((a, b) => a - b), [...Array(16).keys()].filter((n) => n !== POISON));
    assert.deepEqual(drops, [{ n: POISON, err: `cannot handle entry ${POISON}` }]);
    await waitFor(async () => Number(((await fx.redis.xpending(fx.prefix + streamKey('frames', 'p'), 'detection')) as [number])[0]) === 0, 5000, 'nothing pending');
    assert.equal(c.stats.dropped, 1);
    assert.equal(c.stats.handled, 15);
  });

  it('Redis: a drop whose record fails stays pending (never silently lost)', async () => {
    await bus.publish(streamKey('frames', 'q'), { n: POISON });
    let attempts = 0;
    const c = bus.consume({
      group: 'g', consumer: 'w', keys: [streamKey('frames', 'q')], batch: 4, blockMs: 50, claimIdleMs: 30, claimIntervalMs: 30, maxDeliveries: 2,
      batchHandler: poisonedHandler(new Set()),
      onDrop: async () => { attempts++; throw new Error('database down'); },
    });
    consumers.push(c);
    await waitFor(() => attempts >= 2, 10_000, 'two record attempts');
    assert.equal(c.stats.dropped, 0);
    assert.equal(Number(((await fx.redis.xpending(fx.prefix + streamKey('frames', 'q'), 'g')) as [number])[0]), 1);
  });

  it('in-process bus: the same isolation (15 handled, 1 recorded drop)', async () => {
    const mem = new MemoryBus();
    const processed = new Set<number>();
    const drops: number[] = [];
    for (let n = 0; n < 16; n++) await mem.publish(streamKey('frames', 'm'), { n });
    const c = mem.consume({ group: 'detection', consumer: 'w', keys: [streamKey('frames', 'm')], batch: 16, maxDeliveries: 3, batchHandler: poisonedHandler(processed), onDrop: async (d) => { drops.push(nOf(d)); } });
    await c.idle?.();
    await c.stop();
    assert.equal(processed.size, 15);
    assert.deepEqual(drops, [POISON]);
    assert.equal(c.stats.dropped, 1);
    assert.equal(c.stats.handled, 15);
  });
});
