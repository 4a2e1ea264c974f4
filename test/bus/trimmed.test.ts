import assert from 'node:assert/strict';
import { streamKey } from '../../src/bus/keys';
import type { RedisBus } from '../../src/bus/redis-bus';
import type { Consumer, TrimmedRange } from '../../src/bus/types';
import { registry } from '../../src/obs/metrics';
import { type RedisFixture, useRedisBus, waitFor } from './helpers';

const trimmedMetric = async (group: string) => {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === 'video_agent_bus_trimmed_unread_total');
  return Number(m?.values.find((v) => v.labels.group === group)?.value ?? 0);
};

describe('bus: entries trimmed (MAXLEN ~) before a group read them are counted and recorded', () => {
  let fx: RedisFixture;
  let bus: RedisBus;
  const consumers: Consumer[] = [];
  useRedisBus((b, f) => { bus = b; fx = f; }, consumers);

  it('2000 entries published with maxLen 100 while the group reads nothing: the consumer reports exactly the trimmed ones', async () => {
    const key = streamKey('frames', 'trim');
    await fx.redis.xgroup('CREATE', fx.prefix + key, 'detection', '0', 'MKSTREAM');
    for (let n = 0; n < 2000; n++) await bus.publish(key, { n }, { maxLen: 100 });
    const left = await fx.redis.xlen(fx.prefix + key);
    assert.ok(left < 2000, 'the stream was trimmed');
    const before = await trimmedMetric('detection');
    const reports: TrimmedRange[] = [];
    const seen: number[] = [];
    const c = bus.consume({
      group: 'detection', consumer: 'late', keys: [key], batch: 50, blockMs: 50,
      batchHandler: async (ds) => { seen.push(...ds.map((d) => Number(d.fields.n.toString()))); },
      onTrimmed: async (t) => { reports.push(t); },
    });
    consumers.push(c);
    await waitFor(() => seen.length === left, 10_000, 'the entries left are read');
    const lost = 2000 - left;
    assert.equal(reports.reduce((s, r) => s + r.count, 0), lost, 'every trimmed entry is reported, once');
    assert.equal(reports.length, 1);
    assert.equal(reports[0].key, key);
    assert.equal(seen[0], lost, 'the first entry read is the first one kept');
    assert.equal(c.stats.trimmed, lost);
    assert.equal((await trimmedMetric('detection')) - before, lost, 'Prometheus counter');

    // Publishing on while the group keeps up trims only what it already read: nothing more is reported.
    for (let n = 2000; n < 2300; n++) await bus.publish(key, { n }, { maxLen: 100 });
    await waitFor(() => seen.length === left + 300, 10_000, 'the rest read');
    assert.equal(c.stats.trimmed, lost);
  });

  it('a gap that opens while the group lags behind is reported with the ids around it', async () => {
    const key = streamKey('frames', 'lag');
    for (let n = 0; n < 10; n++) await bus.publish(key, { n });
    const reports: TrimmedRange[] = [];
    let n = 0;
    const c = bus.consume({
      group: 'g', consumer: 'w', keys: [key], batch: 10, blockMs: 50,
      batchHandler: async (ds) => { n += ds.length; },
      onTrimmed: async (t) => { reports.push(t); },
    });
    consumers.push(c);
    await waitFor(() => n === 10, 5000, 'first ten');
    await c.stop();
    consumers.length = 0;
    const lastRead = String((await fx.redis.xrevrange(fx.prefix + key, '+', '-', 'COUNT', 1))[0][0]);
    for (let i = 0; i < 1000; i++) await bus.publish(key, { n: 10 + i }, { maxLen: 50 });
    const left = await fx.redis.xlen(fx.prefix + key);
    const c2 = bus.consume({
      group: 'g', consumer: 'w', keys: [key], batch: 100, blockMs: 50,
      batchHandler: async (ds) => { n += ds.length; },
      onTrimmed: async (t) => { reports.push(t); },
    });
    consumers.push(c2);
    await waitFor(() => n === 10 + left, 5000, 'the rest');
    assert.equal(reports.length, 1);
    assert.equal(reports[0].count, 1000 - left);
    assert.equal(reports[0].afterId, lastRead);
  });
});
