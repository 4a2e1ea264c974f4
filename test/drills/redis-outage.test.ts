import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { streamKey } from '../../src/bus';
import { openRedis, type RedisConnection } from '../../src/analyze/redis';
import { StageWorker } from '../../src/analyze/stage-worker';
import { CODECS } from '../../src/topics';
import { frame, solidJpeg } from '../stages/fakes';
import { e2eEnv, rows, type E2eEnv } from '../e2e/helpers';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis';
import { reportDrill } from './report';

/**
 * Drill: a private Redis (AOF, appendfsync always) stopped with SIGTERM for OUTAGE_S while a publisher sends
 * frames and a detection StageWorker (stub yolo) processes them, then restarted on the same port. The
 * publisher retries each frame until Redis takes it; the worker reconnects, takes its lease again and claims
 * what it had read. Every published frame must end with exactly one outcome (a detections row or a skip).
 */
const OUTAGE_S = Number(process.env.DRILL_OUTAGE_S ?? 10);
const FRAMES = 60;
const STREAM = 'drill-redis';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('drill: Redis stopped for a while, then restarted (publisher and detection worker reconnect)', function () {
  this.timeout((OUTAGE_S + 50) * 1000);
  let redis: PrivateRedis | undefined;
  let env: E2eEnv | undefined;
  const conns: RedisConnection[] = [];
  let worker: StageWorker | undefined;
  after(async () => {
    await worker?.stop().catch(() => undefined);
    for (const c of conns) await c.close().catch(() => undefined);
    await redis?.close();
    await env?.close();
  });

  it('loses no frame and duplicates no result', async () => {
    redis = await startPrivateRedis({ aof: true });
    env = await e2eEnv('drill_redis_outage', { emulator: { endpoints: { yolo: { backend: 'stub', model: 'yolo', stub: { baseMs: 20, perItemMs: 2 } } } } });
    const pub = await openRedis(redis.url);
    const wc = await openRedis(redis.url);
    conns.push(pub, wc);
    worker = new StageWorker({ stage: 'detection', bus: wc.bus, state: wc.state, services: env.rt.services, consumer: 'drill-w', leaseTtlMs: 3000, discoverMs: 100, claimIntervalMs: 500, readBatch: 8 });
    worker.start();
    const jpeg = solidJpeg(64, 36, [120, 80, 40]);
    let retries = 0;
    let outageEnd = 0;
    const publishAll = async () => {
      for (let i = 0; i < FRAMES; i++) {
        const fields = CODECS.frames.encode(frame(STREAM, i * 100_000, jpeg));
        for (;;) {
          try { await pub.bus.publish(streamKey('frames', STREAM), fields); break; } catch { retries++; await sleep(200); }
        }
        await sleep(100);
      }
    };
    const publishing = publishAll();
    await sleep(2000); // ~20 frames in, some processed
    await redis.stop();
    await sleep(OUTAGE_S * 1000);
    await redis.start();
    outageEnd = Date.now();
    await publishing;

    const outcomes = async () => {
      await env!.store.flush();
      const [d] = await rows<{ n: string }>(env!.store.pool, `SELECT count(DISTINCT pts_us) AS n FROM detections WHERE stream_id = $1`, [STREAM]);
      const [s] = await rows<{ n: string }>(env!.store.pool, `SELECT count(DISTINCT pts_us) AS n FROM skips WHERE stream_id = $1 AND stage = 'detection'`, [STREAM]);
      return Number(d.n) + Number(s.n);
    };
    const deadline = Date.now() + 35_000;
    while ((await outcomes()) < FRAMES && Date.now() < deadline) await sleep(250);
    const recoveryMs = Date.now() - outageEnd;

    const [det] = await rows<{ n: string; pts: string }>(env.store.pool, `SELECT count(*) AS n, count(DISTINCT pts_us) AS pts FROM detections WHERE stream_id = $1`, [STREAM]);
    const [both] = await rows<{ n: string }>(env.store.pool,
      `SELECT count(*) AS n FROM (SELECT DISTINCT pts_us FROM detections WHERE stream_id = $1) d JOIN (SELECT DISTINCT pts_us FROM skips WHERE stream_id = $1 AND stage = 'detection') s USING (pts_us)`, [STREAM]);
    const got = await outcomes();
    const duplicated = Number(det.n) - Number(det.pts) + Number(both.n);
    reportDrill({ fault: 'redis-outage', durationS: OUTAGE_S, framesIn: FRAMES, rowsExpected: FRAMES, rowsStored: got, lost: FRAMES - got, duplicated, recoveryMs, note: `publisher retries ${retries}` });
    assert.ok(retries > 0, 'the publisher saw the outage');
    const reasons = await rows<{ reason: string; detail: string; pts_us: string }>(env.store.pool, `SELECT reason, detail, pts_us FROM skips WHERE stream_id = $1`, [STREAM]);
    assert.equal(got, FRAMES, `${FRAMES - got} frames without an outcome; skips ${JSON.stringify(reasons)}`);
    assert.equal(Number(det.n), Number(det.pts), 'one detection row per frame (the stub finds one box)');
    assert.equal(Number(both.n), 0, 'no frame has both a detection and a skip');
    const raw = new Redis(redis.url);
    try {
      const deadlinePending = Date.now() + 5000;
      let pending = -1;
      while (pending !== 0 && Date.now() < deadlinePending) {
        pending = Number(((await raw.xpending(streamKey('frames', STREAM), 'detection')) as unknown[])[0]);
        if (pending) await sleep(100);
      }
      assert.equal(pending, 0, 'nothing left pending');
    } finally {
      raw.disconnect();
    }
  });
});
