/** The emotion stage as `worker --stage emotion` on Redis: whole reads, the per-track bound and waiting frames handed over. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import Redis from 'ioredis';
import sharp from 'sharp';
import { stageStateKey, streamKey } from '../../../src/bus';
import { deleteKeysWithPrefix } from '../../../src/bus/purge';
import { openRedis, type RedisConnection } from '../../../src/analyze/redis';
import { StageWorker } from '../../../src/analyze/stage-worker';
import { stageModules } from '../../../src/stages';
import { emotionStage } from '../../../src/stages/emotion';
import { CODECS, type DetectionsMsg, type FrameMsg } from '../../../src/topics';
import { requireRedis } from '../../helpers/services';
import { waitFor } from '../../bus/helpers';
import { e2eEnv, rows, type E2eEnv } from '../../e2e/helpers';
import { ASTRONAUT_PNG } from '../../e2e/media';

describe('stages/emotion as a Redis worker', function () {
  this.timeout(180_000);
  let env: E2eEnv;
  before(async () => {
    assert.ok(stageModules().includes(emotionStage), 'emotion is a registered stage');
    env = await e2eEnv('stage_emotion_worker');
  });
  after(async () => {
    await env?.close();
  });

  it('a second worker takes over: no frame lost, no track looked at twice within the interval', async () => {
    const prefix = `t:emo:${crypto.randomBytes(4).toString('hex')}:`;
    const url = await requireRedis();
    const conns: RedisConnection[] = [];
    const connect = async () => { const c = await openRedis(url, { prefix }); conns.push(c); return c; };
    const raw = new Redis(url);
    const id = 'emo-worker';
    try {
      const jpeg = await sharp(fs.readFileSync(ASTRONAUT_PNG)).jpeg().toBuffer();
      const pub = await connect();
      const frameAt = (ptsUs: number): FrameMsg => ({ streamId: id, ptsUs, ts: 1_700_000_000_000 + ptsUs / 1000, width: 512, height: 512, jpeg, sceneScore: null });
      const detsAt = (ptsUs: number): DetectionsMsg => ({
        streamId: id, ptsUs, ts: 1_700_000_000_000 + ptsUs / 1000, width: 512, height: 512, skipped: null,
        detections: [{ bbox: [0, 0, 480, 512], confidence: 0.9, classId: 0, className: 'person', trackId: 9 }],
      });
      // Frames every 500 ms; detections lag two frames behind, so a read always ends with frames still waiting.
      const publishUpTo = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          await pub.bus.publish(streamKey('frames', id), CODECS.frames.encode(frameAt(i * 500_000)));
          if (i >= 2) await pub.bus.publish(streamKey('detections', id), CODECS.detections.encode(detsAt((i - 2) * 500_000)));
        }
      };
      const start = async (name: string) => {
        const c = await connect();
        const w = new StageWorker({ stage: 'emotion', bus: c.bus, state: c.state, services: env.rt.services, consumer: name, leaseTtlMs: 1000, discoverMs: 50, options: { trackIntervalMs: 1000, batchFrames: 4 } });
        w.start();
        return w;
      };
      const emotionsLen = () => raw.xlen(prefix + streamKey('emotions', id));
      await publishUpTo(0, 8); // detections up to 2.5 s
      const first = await start('emo-1');
      await waitFor(async () => (await emotionsLen()) >= 6, 60_000, 'the first worker handled 0-2.5 s');
      await waitFor(async () => ((await raw.get(prefix + stageStateKey('emotion', id))) ?? '').includes('"lastFrameUs":3500000'), 30_000, 'state saved with the waiting frames');
      await first.stop();
      const state = JSON.parse((await raw.get(prefix + stageStateKey('emotion', id))) ?? 'null');
      assert.deepEqual(state.pairing.frames.map((f: { ptsUs: number }) => f.ptsUs), [3_000_000, 3_500_000], 'the frames still waiting for detections are handed over');
      const second = await start('emo-2');
      await publishUpTo(8, 12); // detections up to 4.5 s (frames 3 and 3.5 s come from the state)
      await waitFor(async () => (await emotionsLen()) >= 10, 60_000, 'the second worker handled 3-4.5 s');
      await second.stop();
      await env.store.flush();
      const got = await rows<{ pts_us: string; track_id: number }>(env.store.pool, 'SELECT pts_us, track_id FROM emotions WHERE stream_id = $1 ORDER BY pts_us', [id]);
      assert.deepEqual(got.map((r) => Number(r.pts_us) / 1e6), [0, 1, 2, 3, 4], 'one look per second of track 9, across the hand-over');
      assert.ok(got.every((r) => r.track_id === 9));
      assert.equal(await emotionsLen(), 10, 'one message per paired frame (0-4.5 s), none twice');
    } finally {
      await deleteKeysWithPrefix(raw, prefix).catch(() => undefined);
      for (const c of conns) await c.close().catch(() => undefined);
      await raw.quit();
    }
  });
});
