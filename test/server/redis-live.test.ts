/**
 * With REDIS_URL the WebSocket is fed from Redis: a second server (an API replica running no stream) sees
 * the live messages of a stream the first one runs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serveConfigSchema } from '../../src/server/config/server-config';
import { startServer, type RunningServer } from '../../src/server/start-server';
import { requireRedis } from '../helpers/services';
import { astronautWithSpeech } from '../e2e/media';
import { e2eEnv, type E2eEnv } from '../e2e/helpers';
import { api, live, tempDir, waitFor } from './helpers';

describe('serve: live feed through Redis', function () {
  this.timeout(180_000);
  const dir = tempDir('va-serve-redis-');
  let env: E2eEnv;
  const servers: RunningServer[] = [];
  before(async () => { env = await e2eEnv('serve_redis'); });
  after(async () => {
    for (const s of servers) await s.close({ timeoutMs: 20_000 });
    await env?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a replica that runs no stream receives detections, transcripts, events and state of a stream run by another', async () => {
    const redisUrl = await requireRedis();
    fs.mkdirSync(path.join(dir, 'media'));
    fs.copyFileSync(astronautWithSpeech(), path.join(dir, 'media', 'astro.mp4'));
    const config = serveConfigSchema.parse({ server: { port: 0, mediaRoots: [path.join(dir, 'media')] } });
    const runner = await startServer({ config, runtime: env.rt, env: { REDIS_URL: redisUrl } });
    servers.push(runner);
    const replica = await startServer({ config, runtime: env.rt, env: { REDIS_URL: redisUrl } });
    servers.push(replica);
    const id = `redis-live-${process.pid}-${Date.now()}`;
    const ws = await live(replica.url, `?streams=${id}&topics=detections,transcripts,events,state`);
    assert.equal(ws.messages.length ? ws.messages[0].feed : (await waitFor(() => ws.messages[0], 5000, 'hello')).feed, 'redis');
    // The feed must have pinned the keys before the stream starts (it reads new entries only).
    await new Promise((r) => setTimeout(r, 1200));
    const add = await api(runner.url, 'POST', '/v1/streams', { body: { id, source: 'astro.mp4', fps: 5 } });
    assert.equal(add.status, 201, add.text);
    await waitFor(() => ws.messages.some((m) => m.topic === 'state' && m.state === 'ended'), 120_000, 'ended seen by the replica');
    await waitFor(() => ws.messages.some((m) => m.topic === 'events'), 10_000, 'an event seen by the replica');
    const count = (t: string) => ws.messages.filter((m) => m.topic === t && m.streamId === id).length;
    assert.equal(count('detections'), 30, 'one detections outcome per sampled frame, none lost or doubled');
    assert.ok(count('transcripts') >= 1 && count('events') >= 1, `transcripts ${count('transcripts')}, events ${count('events')}`);
    assert.deepEqual(ws.messages.filter((m) => m.topic === 'state').map((m) => m.state), ['starting', 'running', 'ended']);
    ws.close();
  });
});
