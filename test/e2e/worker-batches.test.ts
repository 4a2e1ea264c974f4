import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { streamKey } from '../../src/bus';
import { CODECS } from '../../src/topics';
import { openRedis, type RedisConnection } from '../../src/analyze/redis';
import { StageWorker } from '../../src/analyze/stage-worker';
import type { DetectPort } from '../../src/runpod/inference';
import type { Detection, Frame } from '../../src/types';
import { requireRedis } from '../helpers/services';
import { waitFor } from '../bus/helpers';
import { solidJpeg } from '../stages/fakes';
import { e2eEnv, rows, withDetect, type E2eEnv } from './helpers';
import { deleteKeysWithPrefix } from '../../src/bus/purge';

const person = (x: number, y = 100): Detection => ({ bbox: [x, y, x + 60, y + 160], confidence: 0.9, classId: 0, className: 'person' });

/** A distinct JPEG per frame index, so a fake endpoint can tell the frames of a batch apart. */
const jpegs = Array.from({ length: 24 }, (_, i) => solidJpeg(32, 18, [i * 10, 255 - i * 10, (i * 37) % 256]));
const indexOf = new Map(jpegs.map((j, i) => [crypto.createHash('sha1').update(j).digest('hex'), i]));
const frameAt = (streamId: string, i: number): Frame =>
  ({ streamId, ptsUs: i * 200_000, ts: 1_700_000_000_000 + i * 200, width: 640, height: 360, jpeg: jpegs[i] });

/** An endpoint answering per frame index through `scene(i)`, counting calls and their sizes. */
function sceneDetector(scene: (i: number) => Detection[], fail?: (call: number) => boolean) {
  const calls: number[] = [];
  const port: DetectPort = {
    async detect(images) {
      const n = calls.push(images.length) - 1;
      await new Promise((r) => setTimeout(r, 10));
      if (fail?.(n)) throw new Error(`HTTP 500 from yolo (call ${n})`);
      const perImage = images.map((j) => {
        const i = indexOf.get(crypto.createHash('sha1').update(j).digest('hex'));
        assert.ok(i !== undefined, 'unknown frame sent to the endpoint');
        return scene(i);
      });
      return { model: 'scene', perImage };
    },
  };
  return { port, calls };
}

describe('e2e: batched detection workers and tracker hand-over on Redis', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  let raw: Redis;
  const prefix = `t:e2eb:${crypto.randomBytes(4).toString('hex')}:`;
  const conns: RedisConnection[] = [];
  const workers: StageWorker[] = [];

  /** Each test gets its own stream registry (`sub`), so one test's workers never take another's streams. */
  const connect = async (sub: string, track = true) => {
    const c = await openRedis(await requireRedis(), { prefix: prefix + sub });
    if (track) conns.push(c);
    return c;
  };
  const publish = async (c: RedisConnection, streamId: string, from: number, to: number) => {
    for (let i = from; i < to; i++) await c.bus.publish(streamKey('frames', streamId), CODECS.frames.encode({ ...frameAt(streamId, i), sceneScore: null }));
  };
  const pending = async (sub: string, streamId: string) => {
    try {
      return Number(((await raw.xpending(prefix + sub + streamKey('frames', streamId), 'detection')) as unknown[])[0]);
    } catch {
      return -1; // no group yet
    }
  };
  const worker = (c: RedisConnection, name: string, detect: DetectPort, extra: Partial<ConstructorParameters<typeof StageWorker>[0]> = {}) => {
    const w = new StageWorker({
      stage: 'detection', bus: c.bus, state: c.state, services: withDetect(env.rt, detect), consumer: name,
      leaseTtlMs: 1000, discoverMs: 100, options: { batchSize: 8 }, readBatch: 16, ...extra,
    });
    w.start();
    return w;
  };

  before(async () => {
    env = await e2eEnv('e2e_worker_batches');
    raw = new Redis(await requireRedis());
  });
  after(async () => {
    for (const w of workers) await w.stop().catch(() => undefined);
    for (const c of conns) await c.close().catch(() => undefined);
    await deleteKeysWithPrefix(raw, prefix);
    await raw.quit();
    await env?.close();
  });

  it('sends whole bus batches to the endpoint; every frame gets exactly one outcome (detections or a skip)', async () => {
    const pub = await connect('1:');
    await publish(pub, 'b-batch', 0, 24);
    // The second endpoint call fails: its frames must be recorded as skips, the others detected.
    const { port, calls } = sceneDetector((i) => [person(10 + i * 5)], (n) => n === 1);
    const w = worker(await connect('1:'), 'batcher', port);
    workers.push(w);
    await waitFor(() => w.stats().handled === 24, 30_000, 'all 24 frames acknowledged');
    assert.equal(await pending('1:', 'b-batch'), 0);
    assert.ok(calls.length < 24, `one endpoint call per frame (${calls.length} calls)`);
    assert.ok(calls.length <= 4, `calls of ${calls.join(',')}: expected batches of 8`);
    assert.equal(calls.reduce((a, b) => a + b, 0), 24, 'no frame sent twice');
    await env.store.flush();
    const detected = (await rows<{ pts_us: string }>(env.store.pool, `SELECT DISTINCT pts_us FROM detections WHERE stream_id = 'b-batch'`)).map((r) => Number(r.pts_us));
    const skipped = (await rows<{ pts_us: string; reason: string }>(env.store.pool, `SELECT pts_us, reason FROM skips WHERE stream_id = 'b-batch' AND stage = 'detection'`));
    assert.equal(skipped.length, calls[1], 'the failed call\'s frames are skips');
    assert.ok(skipped.every((s) => s.reason === 'endpoint_error'));
    const outcomes = [...detected, ...skipped.map((s) => Number(s.pts_us))].sort((a, b) => a - b);
    assert.deepEqual(outcomes, Array.from({ length: 24 }, (_, i) => i * 200_000), 'exactly one outcome per frame');
    // The frames table has one writer, the process that ingests (test/stages/frame-rows.test.ts): not the worker.
    const frames = await rows<{ n: string }>(env.store.pool, `SELECT count(*) AS n FROM frames WHERE stream_id = 'b-batch'`);
    assert.equal(Number(frames[0].n), 0);
  });

  it('a worker killed mid-batch leaves its whole batch pending; the next holder reclaims and finishes it', async () => {
    const pub = await connect('2:');
    await publish(pub, 'b-kill', 0, 24);
    // Its endpoint never answers: the worker holds one bus batch (16 frames, two endpoint calls) forever.
    const stalled: DetectPort = { detect: () => new Promise(() => {}) };
    const a = worker(await connect('2:', false), 'doomed', stalled);
    await waitFor(async () => (await pending('2:', 'b-kill')) === 16, 20_000, 'the first batch read');
    await a.kill();
    await new Promise((r) => setTimeout(r, 300));
    const mine = (await raw.xpending(prefix + '2:' + streamKey('frames', 'b-kill'), 'detection', '-', '+', 100, 'doomed')) as unknown[];
    assert.equal(mine.length, 16, 'the killed worker acknowledged nothing of its batch');
    const { port, calls } = sceneDetector((i) => [person(10 + i * 5)]);
    const b = worker(await connect('2:'), 'rescuer', port);
    workers.push(b);
    await waitFor(() => b.stats().handled === 24, 30_000, 'all frames handled by the new holder');
    assert.equal(b.stats().claimed, 16, 'the dead worker\'s batch was claimed');
    assert.equal(await pending('2:', 'b-kill'), 0);
    assert.equal(calls.reduce((x, y) => x + y, 0), 24);
    await env.store.flush();
    const n = await rows<{ n: string; d: string }>(env.store.pool, `SELECT count(*) AS n, count(DISTINCT pts_us) AS d FROM detections WHERE stream_id = 'b-kill'`);
    assert.deepEqual([Number(n[0].n), Number(n[0].d)], [24, 24], 'one detection per frame, none doubled');
  });

  it('tracker hand-over: the next holder restores the snapshot and keeps the same track ids', async () => {
    // Frames 0-3 also show a passer-by who leaves: it takes track id 1, so a tracker that restarted from
    // scratch would give the two people who stay ids 1 and 2 instead of 2 and 3.
    const scene = (i: number) => [...(i < 4 ? [person(250, 10)] : []), person(20 + i * 6), person(560 - i * 6, 180)];
    const pub = await connect('3:');
    await publish(pub, 'b-track', 0, 12);
    const a = worker(await connect('3:', false), 'tracker-a', sceneDetector(scene).port, { readBatch: 4, options: { batchSize: 4 } });
    await waitFor(() => a.stats().handled === 12, 20_000, 'worker A tracked the first 12 frames');
    await a.kill();
    await publish(pub, 'b-track', 12, 24);
    // The crash races a read: frame 12 was delivered to A (pending, never acknowledged) as it died. B must
    // claim it before reading frames 13+ or the tracker would see frame 12 after frame 23.
    const key = prefix + '3:' + streamKey('frames', 'b-track');
    await raw.xreadgroup('GROUP', 'detection', 'tracker-a', 'COUNT', 1, 'STREAMS', key, '>');
    // (A's own blocked read may also have caught a frame as it died: count what it left.)
    const leftByA = ((await raw.xpending(key, 'detection', '-', '+', 100, 'tracker-a')) as unknown[]).length;
    assert.ok(leftByA >= 1);
    const b = worker(await connect('3:'), 'tracker-b', sceneDetector(scene).port, { readBatch: 4, options: { batchSize: 4 } });
    workers.push(b);
    await waitFor(() => b.stats().handled === 12, 20_000, 'worker B took the stream over and tracked the rest');
    await env.store.flush();
    // The three people are told apart by their row (y1), which never changes.
    const det = await rows<{ y1: number; track_id: number | null }>(env.store.pool,
      `SELECT bbox[2] AS y1, track_id FROM detections WHERE stream_id = 'b-track' ORDER BY pts_us, det_idx`);
    assert.equal(det.length, 4 * 3 + 20 * 2);
    const idsOf = (y1: number) => [...new Set(det.filter((r) => r.y1 === y1).map((r) => r.track_id))];
    const [passer, walker, runner] = [idsOf(10), idsOf(100), idsOf(180)];
    assert.deepEqual(passer, [1]);
    assert.equal(walker.length, 1, `the walker changed ids: ${walker.join(',')}`);
    assert.equal(runner.length, 1, `the runner changed ids: ${runner.join(',')}`);
    assert.deepEqual([walker[0], runner[0]].sort(), [2, 3], 'ids continue from the handed-over tracker, no reset');
    assert.ok(det.every((r) => r.track_id !== null), 'no frame lost its ids at the hand-over');
    assert.equal(b.stats().claimed, leftByA, 'B claimed the frames the dead worker had read');
    assert.equal(b.stats().perStream['b-track'].detection?.framesUntracked, 0, 'B tracked its frames in order');
  });
});
