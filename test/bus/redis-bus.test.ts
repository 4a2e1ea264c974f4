import { VideoAgentError } from '../../src/errors';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type Redis from 'ioredis';
import type { RedisBus } from '../../src/bus/redis-bus';
import { CODECS } from '../../src/topics';
import { leaseName, streamKey } from '../../src/bus/keys';
import type { Consumer, Delivery } from '../../src/bus/types';
import { type RedisFixture, useRedisBus, tick, waitFor } from './helpers';

describe('bus on Redis Streams (127.0.0.1:6379)', () => {
  let fx: RedisFixture;
  let bus: RedisBus;
  const consumers: Consumer[] = [];
  useRedisBus((b, f) => { bus = b; fx = f; }, consumers);

  it('carries JPEG bytes as a binary field and discovers new streams through the registry', async () => {
    const got: Delivery[] = [];
    consumers.push(bus.consume({ group: 'detection', consumer: 'w1', topic: 'frames', blockMs: 100, discoverIntervalMs: 50, handler: async (d) => { got.push(d); } }));
    const jpeg = crypto.randomBytes(30_000);
    jpeg[0] = 0xff; jpeg[1] = 0xd8; // bytes that are not valid UTF-8 must survive untouched
    await bus.publish(streamKey('frames', 'cam-a'), CODECS.frames.encode({ streamId: 'cam-a', ptsUs: 100_000, ts: 1_700_000_000_000.5, width: 640, height: 360, jpeg, sceneScore: 0.25 }));
    await bus.publish(streamKey('frames', 'cam-b'), CODECS.frames.encode({ streamId: 'cam-b', ptsUs: 0, ts: 1, width: 2, height: 2, jpeg: Buffer.from([0, 1, 2]), sceneScore: null }));
    await waitFor(() => got.length === 2, 5000, 'two frames');
    const a = CODECS.frames.decode(got.find((d) => d.key === streamKey('frames', 'cam-a'))!);
    assert.equal(a.ptsUs, 100_000);
    assert.equal(a.ts, 1_700_000_000_000.5);
    assert.ok(a.jpeg.equals(jpeg));
    assert.deepEqual(await bus.streams(), ['cam-a', 'cam-b']);
    assert.equal(await fx.redis.type(fx.prefix + streamKey('frames', 'cam-a')), 'stream');
    // The raw field really is binary, not base64.
    const raw = await fx.redis.xrangeBuffer(fx.prefix + streamKey('frames', 'cam-a'), '-', '+');
    const fields = raw[0][1];
    const idx = fields.findIndex((f) => f.toString() === 'jpeg');
    assert.equal(fields[idx + 1].length, 30_000);
  });

  it('two consumers in one group share the load; no entry is handled twice', async () => {
    const seen = new Map<string, string>();
    const dupes: string[] = [];
    const handler = (name: string) => async (d: Delivery) => {
      const k = `${d.key}/${d.id}`;
      if (seen.has(k)) dupes.push(k);
      seen.set(k, name);
      await tick(5);
    };
    for (const name of ['w1', 'w2']) consumers.push(bus.consume({ group: 'detection', consumer: name, topic: 'detections', batch: 2, blockMs: 50, discoverIntervalMs: 50, handler: handler(name) }));
    for (let i = 0; i < 40; i++) await bus.publish(streamKey('detections', `s${i % 2}`), { streamId: `s${i % 2}`, ptsUs: i, i });
    await waitFor(() => seen.size === 40, 10_000, '40 deliveries');
    await tick(100);
    assert.deepEqual(dupes, []);
    const by = [...seen.values()];
    assert.ok(by.includes('w1') && by.includes('w2'), `both members got work: w1=${by.filter((x) => x === 'w1').length} w2=${by.filter((x) => x === 'w2').length}`);
    assert.equal(consumers[0].stats.handled + consumers[1].stats.handled, 40);
  });

  it("a consumer killed before XACK: its pending entries are claimed by a live member (XAUTOCLAIM)", async () => {
    const key = fx.prefix + streamKey('frames', 'cam-k');
    for (let i = 0; i < 5; i++) await bus.publish(streamKey('frames', 'cam-k'), { streamId: 'cam-k', ptsUs: i, n: i });
    // The "dead" worker: joins the group, reads everything, never acknowledges, disappears.
    await fx.redis.xgroup('CREATE', key, 'detection', '0', 'MKSTREAM');
    const stolen = await fx.redis.xreadgroup('GROUP', 'detection', 'dead', 'COUNT', 10, 'STREAMS', key, '>') as unknown[];
    assert.equal((stolen[0] as [string, unknown[]])[1].length, 5);
    const handled: number[] = [];
    const live = bus.consume({ group: 'detection', consumer: 'live', topic: 'frames', blockMs: 50, discoverIntervalMs: 50, claimIdleMs: 300, claimIntervalMs: 100, handler: async (d) => { handled.push(Number(d.fields.n.toString())); } });
    consumers.push(live);
    await tick(150);
    assert.equal(handled.length, 0, 'not claimed before the idle time');
    await waitFor(() => handled.length === 5, 5000, 'claimed entries');
    assert.deepEqual(handled.sort(), [0, 1, 2, 3, 4]);
    assert.equal(live.stats.claimed, 5);
    await waitFor(async () => ((await fx.redis.xpending(key, 'detection')) as [number])[0] === 0, 2000, 'nothing pending');
  });

  it('a failing handler leaves the entry pending; it is redelivered, and dropped after maxDeliveries', async () => {
    let attemptsOk = 0;
    let attemptsBad = 0;
    const c = bus.consume({
      group: 'g', consumer: 'w', keys: [streamKey('events', 'x')], blockMs: 50, claimIdleMs: 50, claimIntervalMs: 50, maxDeliveries: 3,
      handler: async (d) => {
        if (d.fields.kind.toString() === 'flaky') { if (++attemptsOk < 2) throw new Error('transient'); return; }
        attemptsBad++;
        throw new Error('poison');
      },
    });
    consumers.push(c);
    await bus.publish(streamKey('events', 'x'), { kind: 'flaky', streamId: 'x', ptsUs: 0 });
    await bus.publish(streamKey('events', 'x'), { kind: 'poison', streamId: 'x', ptsUs: 1 });
    await waitFor(() => c.stats.dropped === 1 && c.stats.handled === 1, 10_000, 'retry and drop');
    assert.equal(attemptsOk, 2);
    assert.equal(attemptsBad, 3);
  });

  it('a restarted consumer with the same name first re-reads its own pending entries', async () => {
    const key = fx.prefix + streamKey('audio', 'cam-r');
    await bus.publish(streamKey('audio', 'cam-r'), { streamId: 'cam-r', ptsUs: 0, pcm: Buffer.alloc(10) });
    await fx.redis.xgroup('CREATE', key, 'audio', '0', 'MKSTREAM');
    await fx.redis.xreadgroup('GROUP', 'audio', 'w-1', 'COUNT', 10, 'STREAMS', key, '>');
    const got: string[] = [];
    consumers.push(bus.consume({ group: 'audio', consumer: 'w-1', topic: 'audio', blockMs: 50, discoverIntervalMs: 50, claimIdleMs: 60_000, handler: async (d) => { got.push(d.id); } }));
    await waitFor(() => got.length === 1, 3000, 'own pending');
  });

  it('caps streams with XADD MAXLEN ~', async () => {
    for (let i = 0; i < 600; i++) await bus.publish(streamKey('frames', 'cam-m'), { i }, { maxLen: 50 });
    const len = await fx.redis.xlen(fx.prefix + streamKey('frames', 'cam-m'));
    assert.ok(len >= 50 && len < 600, `approximately trimmed, got ${len}`);
    assert.ok(len <= 50 + 100, `within one radix node of the cap, got ${len}`);
  });

  describe('per-stream leases', () => {
    it('only one holder; another worker takes over after the holder stops renewing', async () => {
      const name = leaseName('tracking', 'cam-l');
      const a = await bus.leases.tryAcquire(name, 300);
      assert.ok(a?.held);
      assert.equal(await bus.leases.tryAcquire(name, 300), null);
      await tick(500); // a renews every 100 ms: still held past its TTL
      assert.equal(await bus.leases.tryAcquire(name, 300), null, 'renewal keeps the lease');
      const t0 = Date.now();
      a!.abandon(); // the holder dies
      const b = await bus.leases.acquire(name, { ttlMs: 300, retryMs: 25 });
      const waited = Date.now() - t0;
      assert.ok(b.held);
      assert.ok(waited >= 150 && waited < 1500, `taken over after the TTL, waited ${waited} ms`);
      await b.release();
      const c = await bus.leases.tryAcquire(name, 300);
      assert.ok(c, 'free right after release');
      await c!.release();
    });

    it('fires onLost when another holder has taken the key', async () => {
      const name = leaseName('vlm', 'cam-x');
      const a = (await bus.leases.tryAcquire(name, 300))!;
      let lost = false;
      a.onLost(() => { lost = true; });
      await (fx.redis as Redis).set(`${fx.prefix}${name}`, 'someone-else', 'PX', 5000);
      await waitFor(() => lost, 2000, 'onLost');
      assert.equal(a.held, false);
      await a.release(); // must not delete the other holder's key
      assert.equal(await fx.redis.get(`${fx.prefix}${name}`), 'someone-else');
    });
  });

  it('round-trips a JSON topic through its codec; a malformed entry fails decoding with E_BAD_MESSAGE naming the field', async () => {
    const got: Delivery[] = [];
    consumers.push(bus.consume({ group: 'ui', consumer: 'u', keys: [streamKey('detections', 'j')], blockMs: 50, handler: async (d) => { got.push(d); } }));
    const msg = { streamId: 'j', ptsUs: 42, ts: 1_700_000_000_000.25, width: 64, height: 36, skipped: null,
      detections: [{ bbox: [1, 2, 3, 4] as [number, number, number, number], confidence: 0.5, classId: 0, className: 'person', trackId: 7 }] };
    await bus.publish(streamKey('detections', 'j'), CODECS.detections.encode(msg));
    await bus.publish(streamKey('detections', 'j'), { streamId: 'j', ptsUs: 43, json: JSON.stringify({ ts: 1, width: 1, height: 1, detections: [{ bbox: [1, 2] }] }) });
    await bus.publish(streamKey('detections', 'j'), { streamId: 'other', ptsUs: 44, json: '{}' });
    await waitFor(() => got.length === 3);
    assert.deepEqual(CODECS.detections.decode(got[0]), msg);
    assert.throws(() => CODECS.detections.decode(got[1]), (e: VideoAgentError) => e.code === 'E_BAD_MESSAGE' && /detections\.0\.bbox/.test(e.message));
    assert.throws(() => CODECS.detections.decode(got[2]), (e: VideoAgentError) => e.code === 'E_BAD_MESSAGE' && /does not match its key/.test(e.message));
  });
});
