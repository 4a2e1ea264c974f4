/**
 * `serve` with a LiveKit room source, against the LiveKit source's stand-in Room (no LiveKit server exists
 * here): each participant becomes a supervised stream `<room>:<identity>` that is analysed and ends when
 * the participant leaves; the room shows as its own entry; removing the room stops it all. The scheme is
 * refused unless allowed.
 */
import assert from 'node:assert/strict';
import { serveConfigSchema } from '../../src/server/config/server-config';
import { startServer, type RunningServer } from '../../src/server/start-server';
import { FakeRoom } from '../../src/sources/livekit/testing/fake-room';
import { scriptedReaders, type ScriptedTrack } from '../../src/sources/livekit/testing/scripted-reader';
import { e2eEnv, rows, type E2eEnv } from '../e2e/helpers';
import { api, waitFor } from './helpers';

const cam = (sid: string): ScriptedTrack => ({ sid, kind: 2, script: { kind: 'video', width: 320, height: 240 }, intervalMs: 33 });

describe('serve: a LiveKit room as a source (stand-in Room)', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  let srv: RunningServer | null = null;
  before(async () => { env = await e2eEnv('serve_livekit'); });
  after(async () => { await srv?.close({ timeoutMs: 20_000 }); await env?.close(); });

  it('is refused unless the scheme is allowed', async () => {
    srv = await startServer({ config: serveConfigSchema.parse({ server: { port: 0, mediaRoots: [] } }), runtime: env.rt, env: {} });
    const r = await api(srv.url, 'POST', '/v1/streams', { body: { source: 'livekit+ws://lk.test:7880/demo' } });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /'livekit\+ws:\/\/' is not allowed/);
    await srv.close();
    srv = null;
  });

  it('participants become streams <room>:<identity>, analysed until they leave; removing the room stops it', async () => {
    const room = new FakeRoom();
    const readers = scriptedReaders();
    srv = await startServer({
      config: serveConfigSchema.parse({ server: { port: 0, mediaRoots: [], allowSchemes: ['livekit+ws'] } }),
      runtime: env.rt, env: {}, livekit: { createRoom: () => room, readTrack: readers.factory, token: 'h.p.s' },
    });
    const add = await api(srv.url, 'POST', '/v1/streams', { body: { id: 'demo', source: 'livekit+ws://lk.test:7880/demo', stages: ['detection'], fps: 5 } });
    assert.equal(add.status, 201, add.text);
    await waitFor(async () => (await api(srv!.url, 'GET', '/v1/streams/demo')).json.state === 'running', 20_000, 'room joined');
    const alice = room.join('alice');
    room.publish(alice, 'camera', cam('a-cam'));
    await waitFor(async () => ((await api(srv!.url, 'GET', '/v1/streams/demo:alice')).json?.ingest?.frames ?? 0) >= 10, 30_000, 'alice analysed');
    const list = await api(srv.url, 'GET', '/v1/streams');
    assert.deepEqual(list.json.streams.map((s: { id: string }) => s.id).sort(), ['demo', 'demo:alice']);
    assert.equal(list.json.streams.find((s: { id: string }) => s.id === 'demo').stageStats.room.participants, 1);
    room.leave(alice);
    await waitFor(async () => (await api(srv!.url, 'GET', '/v1/streams/demo:alice')).json.state === 'ended', 30_000, 'alice ended');
    await env.store.flush();
    const [f] = await rows<{ n: string }>(env.store.pool, `SELECT count(*) AS n FROM frames WHERE stream_id = 'demo:alice'`);
    const [d] = await rows<{ n: string }>(env.store.pool, `SELECT count(DISTINCT pts_us) AS n FROM endpoint_calls WHERE stream_id = 'demo:alice' AND endpoint = 'yolo'`);
    assert.ok(Number(f.n) >= 10, `${f.n} frames rows`);
    assert.ok(Number(d.n) >= 1, 'detection ran on the participant stream');
    const del = await api(srv.url, 'DELETE', '/v1/streams/demo');
    assert.equal(del.status, 200, del.text);
    assert.equal(del.json.state, 'stopped');
    assert.deepEqual((await api(srv.url, 'GET', '/v1/streams')).json.streams, []);
  });
});
