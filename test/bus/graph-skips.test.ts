import assert from 'node:assert/strict';
import type { RedisBus } from '../../src/bus/redis-bus';
import { streamKey } from '../../src/bus/keys';
import { StreamGraph } from '../../src/graph/stream-graph';
import { registerStage, unregisterStage, type StageModule, type StageServices } from '../../src/stages';
import { CODECS } from '../../src/topics';
import { MemorySink, frame } from '../stages/fakes';
import { type RedisFixture, useRedisBus, waitFor } from './helpers';

const POISON_US = 700_000;

/** Handles frames in batches; a batch holding the poison frame throws (as a stage bug would). */
const fragileStage: StageModule<null> = {
  name: 'fragile',
  description: 'throws on one frame (test fixture)',
  consumes: ['frames'],
  produces: [],
  tables: [],
  endpoint: null,
  default: false,
  create() {
    const seen = new Set<number>();
    return {
      async handle(input) { if (input.topic === 'frames') seen.add(input.msg.ptsUs); },
      async handleBatch(inputs) {
        if (inputs.some((i) => i.topic === 'frames' && i.msg.ptsUs === POISON_US)) throw new Error('boom on the poison frame');
        for (const i of inputs) if (i.topic === 'frames') seen.add(i.msg.ptsUs);
      },
      async finish() {},
      stats: () => ({ frames: seen.size }),
    };
  },
};

describe('stream graph on Redis: a poison entry and trimmed entries become skip rows', () => {
  let bus: RedisBus;
  let fx: RedisFixture;
  const stoppables: { stop(): Promise<void> }[] = [];
  useRedisBus((b, f) => { bus = b; fx = f; }, stoppables);
  before(() => registerStage(fragileStage as never));
  after(() => unregisterStage('fragile'));

  const graphOf = (rows: MemorySink, streamId: string) => new StreamGraph({
    bus, streamId, stages: ['fragile'], live: false, services: { rows } as unknown as StageServices, consumer: 'g1', readBatch: 16,
    consume: { blockMs: 50, claimIdleMs: 30, claimIntervalMs: 30, maxDeliveries: 3 },
  });

  it('a batch of 16 with one throwing frame: 15 handled, one `poison` skip with the error, nothing pending', async () => {
    for (let i = 0; i < 16; i++) await bus.publish(streamKey('frames', 'gp'), CODECS.frames.encode(frame('gp', i * 100_000)));
    const rows = new MemorySink();
    const g = graphOf(rows, 'gp');
    stoppables.push(g);
    await g.start();
    await waitFor(() => g.consumerStats().handled === 15 && rows.skips.length === 1, 15_000, '15 handled and a skip');
    assert.deepEqual(g.stats(), { fragile: { frames: 15 } });
    const [s] = rows.skips;
    assert.equal(s.reason, 'poison');
    assert.equal(s.stage, 'fragile');
    assert.equal(s.ptsUs, POISON_US);
    assert.match(s.detail ?? '', /boom on the poison frame/);
  });

  it('entries trimmed before the stage read them: one `trimmed` skip with the count', async () => {
    const key = streamKey('frames', 'gt');
    for (let i = 0; i < 600; i++) await bus.publish(key, CODECS.frames.encode(frame('gt', 10_000_000 + i * 100_000)), { maxLen: 50 });
    const kept = await fx.redis.xlen(fx.prefix + key);
    const rows = new MemorySink();
    const g = graphOf(rows, 'gt');
    stoppables.push(g);
    await g.start();
    await waitFor(() => rows.skips.length === 1, 10_000, 'the trimmed skip');
    const [s] = rows.skips;
    assert.equal(s.reason, 'trimmed');
    const n = Number(/^(\d+) entries/.exec(s.detail ?? '')?.[1]);
    assert.equal(n, 600 - kept, 'every entry trimmed before the read, once');
    await waitFor(() => g.consumerStats().handled === kept, 10_000, 'the kept entries handled');
  });
});
