import assert from 'node:assert/strict';
import { parseStreamKey, streamKey } from '../../src/bus/keys';
import { consumeLeased, type LeasedConsumer } from '../../src/bus/leased-consumer';
import { MemoryBus } from '../../src/bus/memory-bus';
import type { RedisBus } from '../../src/bus/redis-bus';
import type { Delivery } from '../../src/bus/types';
import { type RedisFixture, useRedisBus, waitFor } from './helpers';

describe('bus: leased per-stream consumers (stateful stages)', () => {
  let fx: RedisFixture;
  let bus: RedisBus;
  const workers: LeasedConsumer[] = [];
  useRedisBus((b, f) => { bus = b; fx = f; }, workers);

  it('each stream is owned by one worker; a dead owner\'s streams (and pending entries) move to the survivor', async () => {
    const handledBy = new Map<string, Set<string>>();
    const handled = new Set<string>();
    const acquired: string[] = [];
    const h = (w: string) => async (d: Delivery) => {
      const s = parseStreamKey(d.key)!.streamId;
      if (!handledBy.has(s)) handledBy.set(s, new Set());
      handledBy.get(s)!.add(w);
      handled.add(`${d.key}/${d.id}`);
    };
    const streams = ['s1', 's2', 's3', 's4'];
    for (const s of streams) await bus.registerStream(s);
    const opts = (w: string) => ({ stage: 'tracking', consumer: w, topic: 'frames' as const, ttlMs: 300, scanIntervalMs: 50, maxStreams: w === 'w1' ? 2 : 4, handler: h(w), consume: { blockMs: 50 }, onAcquire: (s: string) => { acquired.push(`${w}:${s}`); } });
    const w1 = consumeLeased(bus, opts('w1'));
    await waitFor(() => w1.owned().length === 2, 3000, 'w1 owns its share');
    const w2 = consumeLeased(bus, opts('w2'));
    workers.push(w1, w2);
    for (let i = 0; i < 5; i++) for (const s of streams) await bus.publish(streamKey('frames', s), { i });
    await waitFor(() => handled.size === 20, 5000, '20 handled');
    for (const s of streams) assert.equal(handledBy.get(s)!.size, 1, `stream ${s} handled by one worker`);
    const all = [...w1.owned(), ...w2.owned()].sort();
    assert.deepEqual(all, streams, 'every stream owned exactly once');
    assert.equal(w1.owned().length, 2, 'w1 is capped at 2 streams; w2 serves the rest');

    // w1 dies: it stops renewing; one of its streams has an entry read by it but never acknowledged.
    const w1Streams = w1.owned();
    await w1.kill();
    workers.splice(workers.indexOf(w1), 1);
    assert.equal(w1Streams.length, 2);
    {
      await bus.publish(streamKey('frames', w1Streams[0]), { ghost: 1 });
      await fx.redis.xreadgroup('GROUP', 'tracking', 'w1', 'COUNT', 10, 'STREAMS', fx.prefix + streamKey('frames', w1Streams[0]), '>');
    }
    for (const s of streams) await bus.publish(streamKey('frames', s), { after: 1 });
    const expected = 20 + streams.length + 1;
    await waitFor(() => handled.size === expected, 5000, `${expected} handled after takeover`);
    assert.deepEqual(w2.owned(), streams);
    for (const s of w1Streams) assert.ok(acquired.includes(`w2:${s}`), `w2 took over ${s}`);
  });

  it('works the same on the in-process bus, and releases ownership on stop', async () => {
    const mem = new MemoryBus();
    const released: string[] = [];
    const got: string[] = [];
    const w = consumeLeased(mem, { stage: 'audio', consumer: 'a', topic: 'audio', ttlMs: 100, scanIntervalMs: 20, handler: async (d) => { got.push(d.key); }, onRelease: (s, why) => { released.push(`${s}:${why}`); } });
    await mem.publish(streamKey('audio', 'x'), { n: 1 });
    await waitFor(() => got.length === 1);
    assert.deepEqual(w.owned(), ['x']);
    await w.stop();
    assert.deepEqual(released, ['x:stopped']);
    assert.ok(await mem.leases.tryAcquire('lease:audio:x', 100), 'lease freed on stop');
    await mem.close();
  });
});
