import assert from 'node:assert/strict';
import { MemoryBus } from '../../src/bus/memory-bus';
import { openBus } from '../../src/bus/open-bus';
import { RedisBus } from '../../src/bus/redis-bus';
import { leaseName, parseStreamKey, streamKey } from '../../src/bus/keys';
import type { Delivery } from '../../src/bus/types';
import { VideoAgentError } from '../../src/errors';
import { tick, waitFor } from './helpers';

describe('bus in-process (embedded default)', () => {
  it('is bounded: publish waits while a group queue is full, and resumes as the consumer drains', async () => {
    const bus = new MemoryBus({ maxQueue: 4 });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const got: number[] = [];
    const c = bus.consume({ group: 'detection', consumer: 'a', topic: 'frames', handler: async (d) => { await gate; got.push(Number(d.fields.i.toString())); } });
    await bus.registerStream('cam');
    let published = 0;
    const producer = (async () => { for (let i = 0; i < 10; i++) { await bus.publish(streamKey('frames', 'cam'), { i }); published++; } })();
    await tick(50);
    // 1 in the handler + 4 queued; the 6th publish is waiting.
    assert.equal(published, 5);
    assert.equal(bus.depth(streamKey('frames', 'cam'), 'detection'), 4);
    release();
    await producer;
    await waitFor(() => got.length === 10);
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await bus.close();
    assert.equal(c.stats.handled, 10);
  });

  it("live mode drops the oldest when full and counts it (ingest never blocks)", async () => {
    const bus = new MemoryBus({ maxQueue: 3, onFull: 'drop-oldest' });
    const never = new Promise<void>(() => undefined);
    const got: number[] = [];
    bus.consume({ group: 'detection', consumer: 'a', keys: [streamKey('frames', 'live')], handler: async (d) => { got.push(Number(d.fields.i.toString())); await never; } });
    for (let i = 0; i < 10; i++) await bus.publish(streamKey('frames', 'live'), { i });
    assert.equal(bus.depth(streamKey('frames', 'live'), 'detection'), 3);
    assert.equal(bus.dropped(streamKey('frames', 'live'), 'detection'), 6);
    assert.deepEqual(got, [0]);
  });

  it('members of one group share the load; separate groups each get everything', async () => {
    const bus = new MemoryBus();
    const byMember: Record<string, string[]> = { a: [], b: [], ui: [] };
    const h = (m: string) => async (d: Delivery) => { byMember[m].push(d.id); await tick(2); };
    bus.consume({ group: 'detection', consumer: 'a', topic: 'frames', handler: h('a') });
    bus.consume({ group: 'detection', consumer: 'b', topic: 'frames', handler: h('b') });
    bus.consume({ group: 'dashboard', consumer: 'ui', topic: 'frames', handler: h('ui') });
    for (let i = 0; i < 20; i++) await bus.publish(streamKey('frames', 'one'), { i });
    await waitFor(() => byMember.a.length + byMember.b.length === 20 && byMember.ui.length === 20);
    assert.ok(byMember.a.length > 0 && byMember.b.length > 0);
    assert.equal(new Set([...byMember.a, ...byMember.b]).size, 20, 'no entry twice within a group');
    await bus.close();
  });

  it('keeps entries published before any consumer existed, and retries a failing handler', async () => {
    const bus = new MemoryBus();
    await bus.publish(streamKey('audio', 's'), { n: 1 });
    let calls = 0;
    const c = bus.consume({ group: 'audio', consumer: 'a', topic: 'audio', handler: async () => { if (++calls < 3) throw new Error('flaky'); } });
    await waitFor(() => c.stats.handled === 1);
    assert.equal(calls, 3);
    assert.equal(c.stats.failed, 2);
    await c.stop();
  });

  it('stopping one member leaves the other serving', async () => {
    const bus = new MemoryBus();
    const gotB: string[] = [];
    const a = bus.consume({ group: 'g', consumer: 'a', keys: [streamKey('events', 's')], handler: async () => undefined });
    bus.consume({ group: 'g', consumer: 'b', keys: [streamKey('events', 's')], handler: async (d) => { gotB.push(d.id); } });
    await a.stop();
    for (let i = 0; i < 5; i++) await bus.publish(streamKey('events', 's'), { i });
    await waitFor(() => gotB.length === 5);
    await bus.close();
  });

  it('leases: exclusive, taken over after the holder stops renewing', async () => {
    const bus = new MemoryBus();
    const name = leaseName('audio', 's1');
    const a = (await bus.leases.tryAcquire(name, 100))!;
    assert.ok(a.held);
    assert.equal(await bus.leases.tryAcquire(name, 100), null);
    a.abandon();
    const b = await bus.leases.acquire(name, { ttlMs: 100, retryMs: 10 });
    assert.ok(b.held);
    await b.release();
  });

  it('keys follow the topic table (docs/architecture.md) and reject braces; openBus picks Redis only with a URL', async () => {
    // The stream id in braces: a Redis Cluster hash tag, so one stream's keys share a slot (src/bus/keys.ts).
    assert.equal(streamKey('detections', 'cam-1'), 'detections:{cam-1}');
    assert.deepEqual(parseStreamKey('transcripts:{a:b}'), { topic: 'transcripts', streamId: 'a:b' });
    assert.deepEqual(parseStreamKey('transcripts:a:b'), { topic: 'transcripts', streamId: 'a:b' }, 'an untagged key parses to the same stream');
    assert.equal(parseStreamKey('nope:x'), null);
    // The frames topic travels on `video:{<id>}`, and parses back to its topic name.
    assert.equal(streamKey('frames', 'cam-1'), 'video:{cam-1}');
    assert.deepEqual(parseStreamKey('video:{cam-1}'), { topic: 'frames', streamId: 'cam-1' });
    assert.equal(leaseName('audio', 'cam-1'), 'lease:audio:{cam-1}');
    assert.equal(parseStreamKey('frames:cam-1'), null);
    assert.throws(() => streamKey('frames', '{cam}'), VideoAgentError);
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      const mem = openBus();
      assert.ok(mem instanceof MemoryBus);
      await mem.close();
      const r = openBus({ redisUrl: 'redis://127.0.0.1:6379/0' });
      assert.ok(r instanceof RedisBus);
      await r.close();
    } finally {
      if (saved !== undefined) process.env.REDIS_URL = saved;
    }
  });
});
