import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { leaseName, streamKey } from '../../src/bus';
import { CODECS } from '../../src/topics';
import { openRedis, type RedisConnection } from '../../src/analyze/redis';
import { StageWorker } from '../../src/analyze/stage-worker';
import type { DetectPort } from '../../src/runpod/inference';
import { requireRedis } from '../helpers/services';
import { frame, solidJpeg } from '../stages/fakes';
import { e2eEnv, rows, withDetect, type E2eEnv } from './helpers';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { parseStages } from '../../src/stages';
import { sceneCutClip } from './media';
import { deleteKeysWithPrefix } from '../../src/bus/purge';

const waitFor = async (cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string) => {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('e2e: detection workers on Redis Streams (consumer group, leases, reclaim)', function () {
  this.timeout(180_000);
  let env: E2eEnv;
  let raw: Redis;
  const prefix = `t:e2e:${crypto.randomBytes(4).toString('hex')}:`;
  const conns: RedisConnection[] = [];
  const workers: StageWorker[] = [];
  const jpeg = solidJpeg(64, 36, [120, 80, 40]);

  /** `sub` gives a test its own stream registry under the shared prefix. */
  const connect = async (sub = '', track = true) => {
    const c = await openRedis(await requireRedis(), { prefix: prefix + sub });
    if (track) conns.push(c);
    return c;
  };
  const publishFrames = async (c: RedisConnection, streamId: string, n: number) => {
    for (let i = 0; i < n; i++) await c.bus.publish(streamKey('frames', streamId), CODECS.frames.encode(frame(streamId, i * 200_000, jpeg)));
  };
  const xlen = (streamId: string, sub = '') => raw.xlen(prefix + sub + streamKey('detections', streamId));
  /** Entries delivered to the group but not acknowledged (0 before the group exists). */
  const pending = async (streamId: string) => {
    try {
      return Number(((await raw.xpending(prefix + 'k:' + streamKey('frames', streamId), 'detection')) as unknown[])[0]);
    } catch {
      return 0;
    }
  };

  before(async () => {
    // The stub yolo worker: schema-valid answers after 20 ms + 5 ms per image.
    env = await e2eEnv('e2e_workers', { emulator: { endpoints: { yolo: { backend: 'stub', model: 'yolo', stub: { baseMs: 20, perItemMs: 5 } } } } });
    raw = new Redis(await requireRedis());
  });
  after(async () => {
    for (const w of workers) await w.stop().catch(() => undefined);
    for (const c of conns) await c.close().catch(() => undefined);
    await deleteKeysWithPrefix(raw, prefix);
    await raw.quit();
    await env?.close();
  });

  it('two workers in one group split the streams, process every frame once, and stop cleanly', async () => {
    const pub = await connect();
    const streams = ['w-a', 'w-b', 'w-c', 'w-d'];
    for (const s of streams) await publishFrames(pub, s, 10);
    const mk = async (name: string) => {
      const c = await connect();
      const w = new StageWorker({ stage: 'detection', bus: c.bus, state: c.state, services: env.rt.services, consumer: name, leaseTtlMs: 2000, discoverMs: 100, maxStreams: 2 });
      workers.push(w);
      w.start();
      return w;
    };
    const [a, b] = [await mk('worker-a'), await mk('worker-b')];
    await waitFor(async () => (await Promise.all(streams.map((s) => xlen(s)))).every((n) => n >= 10), 90_000, 'all frames detected');
    // Results are published inside the batch handler; `handled` counts once the batch is acknowledged, just after.
    await waitFor(() => a.stats().handled + b.stats().handled >= 40, 10_000, 'the last batches to be acknowledged');
    const sa = a.stats();
    const sb = b.stats();
    assert.ok(sa.handled > 0 && sb.handled > 0, `load not shared: a ${sa.handled}, b ${sb.handled}`);
    assert.equal(sa.handled + sb.handled, 40);
    assert.deepEqual([...sa.streams, ...sb.streams].sort(), streams, 'each stream owned by exactly one worker');
    await env.store.flush();
    const det = await rows<{ stream_id: string; n: string; tracks: string }>(env.store.pool,
      `SELECT stream_id, count(*) AS n, count(DISTINCT track_id) AS tracks FROM detections WHERE stream_id = ANY($1) GROUP BY stream_id ORDER BY stream_id`, [streams]);
    assert.deepEqual(det.map((d) => [d.stream_id, Number(d.n)]), streams.map((s) => [s, 10]), 'one detection row per frame, no duplicates');
    assert.ok(det.every((d) => Number(d.tracks) === 1), 'the tracker follows the one box per stream');
    await a.stop();
    await b.stop();
    // Clean shutdown released the leases: another worker can take a stream at once.
    const lease = await pub.bus.leases.tryAcquire(leaseName('detection', 'w-a'), 1000);
    assert.ok(lease, 'lease released on stop');
    await lease.release();
  });

  it("a killed worker's pending frames are reclaimed and processed by another member", async () => {
    const pub = await connect('k:');
    await publishFrames(pub, 'w-dead', 12);
    // Worker C holds the stream but its endpoint never answers: it reads a batch and acknowledges nothing.
    const stalled: DetectPort = { detect: () => new Promise(() => {}) };
    // Not closed at the end: its consumer is stuck in the handler forever, as in a hung process.
    const cc = await connect('k:', false);
    const c = new StageWorker({ stage: 'detection', bus: cc.bus, services: withDetect(env.rt, stalled), consumer: 'worker-c', leaseTtlMs: 1000, discoverMs: 100 });
    c.start();
    await waitFor(async () => (await pending('w-dead')) >= 1, 30_000, 'worker C to hold pending entries');
    assert.deepEqual(c.heldStreams(), ['w-dead']);
    await c.kill();
    const dc = await connect('k:');
    const d = new StageWorker({ stage: 'detection', bus: dc.bus, services: env.rt.services, consumer: 'worker-d', leaseTtlMs: 1000, discoverMs: 100 });
    workers.push(d);
    d.start();
    await waitFor(async () => (await xlen('w-dead', 'k:')) >= 12, 60_000, 'every frame of the dead worker processed');
    assert.ok(d.stats().claimed >= 1, 'entries were claimed from the dead consumer');
    await waitFor(async () => (await pending('w-dead')) === 0, 10_000, 'no entry left pending');
    await env.store.flush();
    const n = await rows<{ n: string }>(env.store.pool, `SELECT count(DISTINCT pts_us) AS n FROM detections WHERE stream_id = 'w-dead'`);
    assert.equal(Number(n[0].n), 12);
  });

  it('analyze --stages none publishes the media on Redis; a detection worker elsewhere analyses it', async () => {
    const pub = await connect('x:');
    const s = await analyzeSource(env.rt, { input: sceneCutClip(), stages: parseStages('none'), fps: 5, streamId: 'w-remote', bus: pub.bus });
    assert.equal(s.rows.detections, 0, 'nothing analysed locally');
    assert.equal(await raw.xlen(prefix + 'x:' + streamKey('frames', 'w-remote')), s.ingest.frames);
    const wc = await connect('x:');
    const w = new StageWorker({ stage: 'detection', bus: wc.bus, state: wc.state, services: env.rt.services, consumer: 'worker-remote', discoverMs: 100 });
    workers.push(w);
    w.start();
    await waitFor(async () => (await xlen('w-remote', 'x:')) >= s.ingest.frames, 60_000, 'the worker to detect every published frame');
    await w.stop();
    const counts = await env.store.countRows('w-remote');
    assert.equal(counts.frames, s.ingest.frames, 'the worker stored the frames');
    assert.equal(counts.detections, s.ingest.frames, 'one (stub) detection per frame');
    // Same time base as the streams row written by analyze: rows line up.
    const off = await rows<{ worst: number }>(env.store.pool,
      `SELECT max(abs(extract(epoch FROM (d.ts - s.started_at)) * 1e6 - d.pts_us)) AS worst FROM detections d JOIN streams s USING (stream_id) WHERE stream_id = 'w-remote'`);
    assert.ok(Number(off[0].worst) < 1000);
  });
});
