import assert from 'node:assert/strict';
import path from 'node:path';
import Redis from 'ioredis';
import { RedisBus } from '../../src/bus/redis-bus';
import { streamKey } from '../../src/bus/keys';
import { deleteKeysWithPrefix } from '../../src/bus/purge';
import { streamDefaultsSchema } from '../../src/server/config/server-config';
import { Supervisor } from '../../src/server/supervisor/supervisor';
import { CODECS, type StateMsg } from '../../src/topics';
import { requireRedis } from '../helpers/services';
import { e2eEnv, type E2eEnv } from '../e2e/helpers';
import { sceneCutClip } from '../e2e/media';
import { waitFor } from './helpers';

/** serve writes the bus's end marker for a stream done for good, after (and covering) its final `state` entry. */
describe('bus: serve ends the streams it served', function () {
  this.timeout(60_000);
  let env: E2eEnv;
  let raw: Redis;
  let bus: RedisBus;
  let sup: Supervisor | undefined;
  const prefix = `test:serve-end:${process.pid}:${Date.now()}:`;
  before(async () => {
    const url = await requireRedis();
    env = await e2eEnv('serve_stream_end');
    raw = new Redis(url, { maxRetriesPerRequest: 3 });
    bus = new RedisBus(new Redis(url, { maxRetriesPerRequest: 3 }), { prefix });
  });
  afterEach(async () => {
    await sup?.stopAll();
    sup = undefined;
  });
  after(async () => {
    await deleteKeysWithPrefix(raw, prefix);
    await bus.close();
    raw.disconnect();
    await env.close();
  });

  const supervisor = (clip: string) => new Supervisor({
    runtime: env.rt, bus, defaults: streamDefaultsSchema.parse({}),
    policy: { mediaRoots: [path.dirname(clip)], allowSchemes: ['file', 'rtsp'] },
    restart: { initialDelayMs: 60_000, maxDelayMs: 60_000 }, maxStreams: 4, tap: () => undefined,
  });

  /** The last entry of the stream's `state` key: its id and state. */
  const lastState = async (id: string) => {
    const [[entryId, fields]] = (await raw.xrevrange(`${prefix}${streamKey('state', id)}`, '+', '-', 'COUNT', 1)) as [string, string[]][];
    const rec: Record<string, Buffer> = {};
    for (let i = 0; i < fields.length; i += 2) rec[fields[i]] = Buffer.from(fields[i + 1]);
    const key = streamKey('state', id);
    return { entryId, state: (CODECS.state.decode({ id: entryId, key, fields: rec } as never) as StateMsg).state };
  };

  it('a file stream that ends: the marker is written and covers the final `ended` state', async () => {
    const clip = sceneCutClip();
    sup = supervisor(clip);
    const id = `served-${process.pid}-a`;
    sup.add({ id, source: clip, stages: [] } as never, 'config');
    await waitFor(() => sup!.get(id).state === 'ended', 30_000, 'the file stream ends');
    await waitFor(async () => (await bus.streamEnd(id))?.lastIds[streamKey('state', id)] === (await lastState(id)).entryId, 5000, 'the end marker covers the last state entry');
    const end = (await bus.streamEnd(id))!;
    assert.equal((await lastState(id)).state, 'ended');
    assert.ok((await bus.endedStreams()).includes(id), 'listed in streams:ended for the workers and pruning');
    assert.ok(end.at > 0);
  });

  it('a stream removed while failing (never finished by analyzeSource) is ended too', async () => {
    const clip = sceneCutClip();
    sup = supervisor(clip);
    const id = `served-${process.pid}-b`;
    // Nothing listens on port 1: the stream fails, waits in its (long) restart backoff, and is removed there.
    sup.add({ id, source: 'rtsp://127.0.0.1:1/none', stages: [] } as never, 'api');
    await waitFor(() => sup!.get(id).state === 'failed', 30_000, 'the stream fails');
    assert.equal(await bus.streamEnd(id), null, 'a failing stream that will restart is not ended');
    await sup.remove(id);
    const end = await bus.streamEnd(id);
    assert.ok(end, 'removed: the end marker is written before remove() resolves');
    const last = await lastState(id);
    assert.equal(last.state, 'stopped');
    assert.equal(end.lastIds[streamKey('state', id)], last.entryId, 'the marker covers the final `stopped` state');
  });
});
