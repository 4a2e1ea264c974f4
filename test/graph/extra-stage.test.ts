import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { stageStateKey, streamKey } from '../../src/bus';
import { deleteKeysWithPrefix } from '../../src/bus/purge';
import { openRedis, type RedisConnection } from '../../src/analyze/redis';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { StageWorker } from '../../src/analyze/stage-worker';
import { parseStages, planGraph, registerStage, stageModules, unregisterStage } from '../../src/stages';
import { CODECS } from '../../src/topics';
import { requireRedis } from '../helpers/services';
import { e2eEnv, rows, type E2eEnv } from '../e2e/helpers';
import { sceneCutClip } from '../e2e/media';
import { frame, solidJpeg } from '../stages/fakes';
import { waitFor } from '../bus/helpers';
import { personCounterStage } from '../fixtures/stages/person-counter';

describe('stage graph: a stage from its own folder runs in both runners', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  before(async () => {
    registerStage(personCounterStage);
    // The stub yolo answers one person per image.
    env = await e2eEnv('graph_extra_stage', { emulator: { endpoints: { yolo: { backend: 'stub', model: 'yolo', stub: { baseMs: 5, perItemMs: 1 } } } } });
  });
  after(async () => {
    unregisterStage('person-counter');
    await env?.close();
  });

  it('is known to the registry, parsed from --stages, and ordered after the stage it consumes from', () => {
    assert.ok(stageModules().some((m) => m.name === 'person-counter'));
    assert.deepEqual([...parseStages('person-counter,detection')], ['person-counter', 'detection']);
    assert.deepEqual(planGraph(['person-counter', 'detection']).map((n) => n.module.name), ['detection', 'person-counter']);
    const node = planGraph(['person-counter', 'detection']).find((n) => n.module.name === 'person-counter');
    assert.deepEqual([...(node?.upstream ?? [])], ['detections']);
    assert.throws(() => registerStage({ ...personCounterStage }), /already registered/);
  });

  it('one process (analyze, in-process bus): its events rows follow the detections of every frame', async () => {
    const s = await analyzeSource(env.rt, {
      input: sceneCutClip(), stages: parseStages('detection,person-counter'), fps: 5, streamId: 'extra-local',
      stageOptions: { 'person-counter': { every: 5 } },
    });
    await env.store.flush();
    const ev = await rows<{ description: string; model: string }>(env.store.pool, `SELECT description, model FROM events WHERE stream_id = 'extra-local' ORDER BY pts_us`);
    const frames = s.ingest.frames;
    assert.ok(frames >= 10, `${frames} frames`);
    assert.equal(ev.length, Math.ceil(frames / 5), 'one event per 5 frames (the last one at the end of the stream)');
    assert.ok(ev.every((e) => e.model === 'person-counter'));
    const counted = ev.reduce((n, e) => n + Number(/^(\d+) people/.exec(e.description)?.[1]), 0);
    assert.equal(counted, frames, 'the stub finds one person per frame; every frame counted once');
    assert.deepEqual(s.stages['person-counter'], { pending: 0 });
  });

  it('distributed (worker --stage on Redis): a detection worker and a person-counter worker, state handed over', async () => {
    const prefix = `t:extra:${crypto.randomBytes(4).toString('hex')}:`;
    const url = await requireRedis();
    const conns: RedisConnection[] = [];
    const connect = async () => { const c = await openRedis(url, { prefix }); conns.push(c); return c; };
    const raw = new Redis(url);
    const workers: StageWorker[] = [];
    try {
      const pub = await connect();
      const jpeg = solidJpeg(64, 36, [90, 90, 90]);
      for (let i = 0; i < 12; i++) await pub.bus.publish(streamKey('frames', 'extra-redis'), CODECS.frames.encode(frame('extra-redis', i * 200_000, jpeg)));
      const start = async (stage: string, name: string, options: Record<string, unknown> = {}) => {
        const c = await connect();
        const w = new StageWorker({ stage, bus: c.bus, state: c.state, services: env.rt.services, consumer: name, leaseTtlMs: 1000, discoverMs: 50, options });
        workers.push(w);
        w.start();
        return w;
      };
      await start('detection', 'det-1', { batchSize: 4 });
      const counter = await start('person-counter', 'pc-1', { every: 5 });
      await waitFor(async () => (await raw.xlen(prefix + streamKey('events', 'extra-redis'))) >= 2, 30_000, 'two person-counter events');
      await waitFor(() => counter.stats().handled >= 12, 30_000, 'every outcome acknowledged');
      // The two remaining outcomes are in the counter's state, saved with the acknowledgement.
      const state = JSON.parse((await raw.get(prefix + stageStateKey('person-counter', 'extra-redis'))) ?? 'null');
      assert.deepEqual({ seen: state?.seen, people: state?.people }, { seen: 2, people: 2 });
      await env.store.flush();
      const ev = await rows<{ description: string }>(env.store.pool, `SELECT description FROM events WHERE stream_id = 'extra-redis' ORDER BY pts_us`);
      assert.deepEqual(ev.map((e) => e.description), ['5 people in 5 frames', '5 people in 5 frames']);
    } finally {
      for (const w of workers) await w.stop().catch(() => undefined);
      await deleteKeysWithPrefix(raw, prefix).catch(() => undefined);
      for (const c of conns) await c.close().catch(() => undefined);
      await raw.quit();
    }
  });
});
