import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { stageStateKey, streamKey } from '../../src/bus';
import { deleteKeysWithPrefix } from '../../src/bus/purge';
import { openRedis, type RedisConnection } from '../../src/analyze/redis';
import { StageWorker } from '../../src/analyze/stage-worker';
import { CODECS } from '../../src/topics';
import { requireRedis } from '../helpers/services';
import { waitFor } from '../bus/helpers';
import { audioChunks } from '../stages/fakes';
import { e2eEnv, rows, type E2eEnv } from './helpers';

describe('e2e: an audio worker killed mid-stream loses no window (acknowledged only once recorded, state handed over)', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  let raw: Redis;
  const prefix = `t:e2ea:${crypto.randomBytes(4).toString('hex')}:`;
  const conns: RedisConnection[] = [];
  const connect = async () => { const c = await openRedis(await requireRedis(), { prefix }); conns.push(c); return c; };
  const start = async (name: string) => {
    const c = await connect();
    const w = new StageWorker({ stage: 'audio', bus: c.bus, state: c.state, services: env.rt.services, consumer: name, leaseTtlMs: 800, discoverMs: 50, readBatch: 8, claimIntervalMs: 200 });
    w.start();
    return w;
  };
  const publish = async (streamId: string) => {
    const c = await connect();
    // 17 s of tone in 100 ms chunks: windows [0,5) [5,10) [10,15) [15,17).
    for (const chunk of audioChunks(streamId, 17, () => true)) await c.bus.publish(streamKey('audio', streamId), CODECS.audio.encode(chunk));
  };
  const segments = (streamId: string) => rows<{ start_us: string; end_us: string; text: string }>(env.store.pool,
    'SELECT start_us, end_us, text FROM audio_segments WHERE stream_id = $1 ORDER BY start_us', [streamId]);

  before(async () => {
    env = await e2eEnv('e2e_audio_handover', { emulator: { endpoints: { whisper: { backend: 'stub', model: 'whisper', stub: { baseMs: 30, perItemMs: 0 } } } } });
    raw = new Redis(await requireRedis());
  });
  after(async () => {
    for (const c of conns) await c.close().catch(() => undefined);
    await deleteKeysWithPrefix(raw, prefix);
    await raw.quit();
    await env?.close();
  });

  it('the next holder continues from the handed-over buffer: the same segments as a worker that never stopped', async () => {
    // Reference: one worker, never interrupted.
    await publish('a-ref');
    const ref = await start('ref');
    await waitFor(() => ref.stats().handled >= 170, 30_000, 'reference handled every chunk');
    await ref.stop();
    await env.store.flush();
    const expected = await segments('a-ref');
    assert.ok(expected.length >= 3, `${expected.length} reference segments`);

    // A worker that dies (nothing acknowledged or released any more) after part of the stream.
    await publish('a-kill');
    const doomed = await start('doomed');
    await waitFor(() => doomed.stats().handled >= 70, 30_000, 'the first holder handled 7 s of audio');
    const acked = doomed.stats().handled;
    await doomed.kill();
    const heir = await start('heir');
    await waitFor(() => acked + heir.stats().handled >= 170, 30_000, 'the next holder took over the rest');
    await waitFor(async () => Number((await raw.xpending(`${prefix}${streamKey('audio', 'a-kill')}`, 'audio') as unknown[])[0]) === 0, 30_000, 'nothing left pending');
    await heir.stop();
    await env.store.flush();
    const got = await segments('a-kill');
    assert.deepEqual(got.map((r) => [r.start_us, r.end_us, r.text]), expected.map((r) => [r.start_us, r.end_us, r.text]));
    const state = JSON.parse((await raw.get(prefix + stageStateKey('audio', 'a-kill'))) ?? 'null');
    assert.ok(state && state.v === 1 && typeof state.windower?.pcm === 'string', 'the audio state was handed over through Redis');
  });
});
