import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { RedisBus } from '../../src/bus/redis-bus';
import { leaseName, streamKey, REGISTRY_KEY } from '../../src/bus/keys';
import { deleteKeysWithPrefix } from '../../src/bus/purge';
import { StageWorker, stageStateKey, type StateStore } from '../../src/analyze/stage-worker';
import { registerStage, unregisterStage, type StageModule, type StageServices } from '../../src/stages';
import { CODECS } from '../../src/topics';
import { requireRedis } from '../helpers/services';
import { MemorySink, frame } from '../stages/fakes';
import { waitFor } from './helpers';
import { MemoryBus } from '../../src/bus/memory-bus';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { parseStages } from '../../src/stages';
import { e2eEnv } from '../e2e/helpers';
import { sceneCutClip } from '../e2e/media';

/** A stateful test stage: counts the frames of its stream; `finish` marks the count final. */
const counterStage: StageModule<{ n: number; final: boolean }> = {
  name: 'frame-counter',
  description: 'counts frames (test fixture)',
  consumes: ['frames'],
  produces: [],
  tables: [],
  endpoint: null,
  default: false,
  state: { encode: (s) => JSON.stringify(s), decode: (raw) => JSON.parse(raw) },
  create(ctx) {
    const s = ctx.state ?? { n: 0, final: false };
    return {
      async handle() { s.n++; },
      async handleBatch(inputs) { s.n += inputs.length; },
      async finish() { s.final = true; },
      state: () => s,
      stats: () => ({ frames: s.n }),
    };
  },
};

describe('bus: end of stream (workers close the lane, the registry forgets) and connections per worker', function () {
  this.timeout(60_000);
  let raw: Redis;
  let prefix: string;
  const closers: (() => Promise<void>)[] = [];
  const services = { rows: new MemorySink() } as unknown as StageServices;
  const named = async (name: string) => {
    const r = new Redis(await requireRedis(), { connectionName: name, maxRetriesPerRequest: 3 });
    const bus = new RedisBus(r, { prefix });
    closers.push(() => bus.close());
    const state: StateStore = { get: (k) => r.get(prefix + k), set: async (k, v) => { await r.set(prefix + k, v); } };
    return { bus, state };
  };
  const publishFrames = async (bus: RedisBus, streamId: string, n: number) => {
    for (let i = 0; i < n; i++) await bus.publish(streamKey('frames', streamId), CODECS.frames.encode(frame(streamId, i * 100_000)));
  };

  before(() => registerStage(counterStage as never));
  after(() => unregisterStage('frame-counter'));
  beforeEach(async () => {
    raw = new Redis(await requireRedis());
    prefix = `t:end:${crypto.randomBytes(4).toString('hex')}:`;
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
    await deleteKeysWithPrefix(raw, prefix);
    await raw.quit();
  });

  it('after the end marker the worker finishes the stage, saves its state, releases the lease and does not take the stream again; pruned after retention', async () => {
    const pub = await named('end-pub');
    await publishFrames(pub.bus, 'a', 30);
    await publishFrames(pub.bus, 'b', 5);
    const w = await named('end-worker');
    const worker = new StageWorker({ stage: 'frame-counter', bus: w.bus, state: w.state, services, consumer: 'fc-1', leaseTtlMs: 1000, discoverMs: 50, readBatch: 8, pruneIntervalMs: 100, endedRetentionMs: 60_000 });
    closers.push(() => worker.stop());
    worker.start();
    await waitFor(() => worker.heldStreams().length === 2, 10_000, 'both streams held');
    await publishFrames(pub.bus, 'a', 0);
    await pub.bus.endStream('a');
    await waitFor(() => !worker.heldStreams().includes('a'), 10_000, 'lane a closed');
    assert.deepEqual(worker.heldStreams(), ['b'], 'b (not ended) stays held');
    assert.deepEqual(JSON.parse((await raw.get(prefix + stageStateKey('frame-counter', 'a'))) ?? 'null'), { n: 30, final: true }, 'finished, final state saved');
    assert.equal(await raw.get(prefix + leaseName('frame-counter', 'a')), null, 'lease released');
    assert.deepEqual((await pub.bus.streamEnd('a'))?.done, ['frame-counter']);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(worker.heldStreams(), ['b'], 'a is not taken again');
    // Retention 0: the next prune forgets it (registry, marker, keys).
    assert.deepEqual(await w.bus.pruneEnded(0), ['a']);
    assert.deepEqual(await raw.smembers(prefix + REGISTRY_KEY), ['b']);
    assert.equal(await raw.exists(prefix + streamKey('frames', 'a')), 0);
  });

  it('a lane waits for entries published before the end marker that it has not processed yet', async () => {
    const pub = await named('end-pub2');
    await publishFrames(pub.bus, 'c', 3);
    await pub.bus.endStream('c');
    // Nobody read c yet: the marker alone closes nothing. A worker started now processes all three first.
    const w = await named('end-worker2');
    const worker = new StageWorker({ stage: 'frame-counter', bus: w.bus, state: w.state, services, consumer: 'fc-2', leaseTtlMs: 1000, discoverMs: 50 });
    closers.push(() => worker.stop());
    worker.start();
    await waitFor(async () => (await pub.bus.streamEnd('c'))?.done.includes('frame-counter') ?? false, 10_000, 'c done');
    assert.deepEqual(JSON.parse((await raw.get(prefix + stageStateKey('frame-counter', 'c'))) ?? 'null'), { n: 3, final: true });
  });

  it('analyze writes the marker; a detection worker elsewhere closes the lane once it processed every frame', async () => {
    const env = await e2eEnv('bus_stream_end', { emulator: { endpoints: { yolo: { backend: 'stub', model: 'yolo', stub: { baseMs: 5, perItemMs: 1 } } } } });
    closers.push(() => env.close());
    const pub = await named('end-analyze');
    const s = await analyzeSource(env.rt, { input: sceneCutClip(), stages: parseStages('none'), fps: 5, streamId: 'end-e2e', bus: pub.bus });
    const end = await pub.bus.streamEnd('end-e2e');
    assert.ok(end, 'analyze wrote the end marker');
    assert.ok(end.remote.includes('detection'), `remote stages ${end.remote}`);
    assert.ok(end.lastIds[streamKey('frames', 'end-e2e')], 'the last frame id is in the marker');
    const w = await named('end-det');
    const worker = new StageWorker({ stage: 'detection', bus: w.bus, state: w.state, services: env.rt.services, consumer: 'det-end', leaseTtlMs: 1000, discoverMs: 50 });
    closers.push(() => worker.stop());
    worker.start();
    await waitFor(async () => (await pub.bus.streamEnd('end-e2e'))?.done.includes('detection') ?? false, 30_000, 'detection done with the stream');
    assert.deepEqual(worker.heldStreams(), []);
    assert.equal(worker.stats().handled, s.ingest.frames, 'every frame handled before the lane closed');
    const after = await pub.bus.streamEnd('end-e2e');
    assert.ok(after!.lastIds[streamKey('detections', 'end-e2e')], 'the worker added the last id of what it published');
  });

  it('in-process bus: the same marker and prune semantics', async () => {
    const mem = new MemoryBus();
    await mem.publish(streamKey('frames', 'm'), { n: 1 });
    const last = await mem.publish(streamKey('frames', 'm'), { n: 2 });
    let n = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const c = mem.consume({ group: 'g', consumer: 'c', keys: [streamKey('frames', 'm')], handler: async () => { n++; if (n === 2) await gate; } });
    await mem.endStream('m', { remote: ['detection'] });
    assert.deepEqual(await mem.streamEnd('m').then((e) => e && { lastIds: e.lastIds, remote: e.remote }), { lastIds: { [streamKey('frames', 'm')]: last }, remote: ['detection'] });
    await waitFor(() => n === 2, 2000, 'second entry in flight');
    assert.equal(await mem.consumedThrough('g', streamKey('frames', 'm'), last), false, 'in flight is not consumed');
    release();
    await c.idle?.();
    assert.equal(await mem.consumedThrough('g', streamKey('frames', 'm'), last), true);
    await c.stop();
    assert.deepEqual(await mem.pruneEnded(0), ['m']);
    assert.deepEqual(await mem.streams(), []);
  });

  it('a worker holding 20 streams uses a fixed number of Redis connections (CLIENT LIST)', async () => {
    const pub = await named('conn-pub');
    for (let s = 0; s < 20; s++) await publishFrames(pub.bus, `s${s}`, 2);
    const name = `conn-worker-${crypto.randomBytes(3).toString('hex')}`;
    const w = await named(name);
    const worker = new StageWorker({ stage: 'frame-counter', bus: w.bus, state: w.state, services, consumer: 'fc-3', leaseTtlMs: 2000, discoverMs: 50 });
    closers.push(() => worker.stop());
    worker.start();
    await waitFor(() => worker.heldStreams().length === 20, 20_000, '20 streams held');
    await waitFor(() => worker.stats().handled === 40, 20_000, 'every frame handled');
    const clients = String(await raw.call('CLIENT', 'LIST')).split('\n').filter((l) => l.includes(` name=${name} `));
    assert.ok(clients.length <= 2, `${clients.length} connections for 20 held streams (want ≤ 2: commands + one shared blocking reader)`);
  });
});
