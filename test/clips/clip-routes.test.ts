import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';

import type { RecordingSegment } from '../../src/clips';
import { discover } from '../../src/gst';
import { FsObjectStore } from '../../src/object-store';
import { buildApp } from '../../src/server/app';
import { ApiKeys } from '../../src/server/auth/api-keys';
import { Sessions } from '../../src/server/auth/sessions';
import { serveConfigSchema } from '../../src/server/config/server-config';
import type { ServerContext } from '../../src/server/server-context';
import { openStore, type Store } from '../../src/store';
import { requirePostgres } from '../helpers/services';
import { clipMedia } from './media';

/** Just what the clip routes read: settings, the pool, the supervisor (nothing runs here), the object store, the recording lookup. */
function context(store: Store, mediaRoot: string, extra: Partial<ServerContext>): ServerContext {
  const settings = serveConfigSchema.parse({ server: { port: 0, mediaRoots: [mediaRoot] } }).server;
  const supervisor = {
    has: () => false,
    get: (id: string) => { throw Object.assign(new Error(`no stream '${id}'`), { code: 'E_UNKNOWN_STREAM' }); },
    list: () => [],
  };
  return {
    settings, keys: new ApiKeys(undefined), sessions: new Sessions(), runtime: { store } as unknown as ServerContext['runtime'],
    supervisor: supervisor as unknown as ServerContext['supervisor'], feed: {} as ServerContext['feed'],
    readiness: async () => [], breakers: () => [], latestFrame: () => null, frameNear: () => null, ...extra,
  };
}

describe('clips API: POST/GET /v1/streams/:id/clips', function () {
  this.timeout(120_000);
  let store: Store;
  let dir: string;
  let app: FastifyInstance;
  let bare: FastifyInstance;
  let segments: RecordingSegment[];

  before(async () => {
    const url = await requirePostgres();
    const admin = await openStore({ databaseUrl: url, migrate: false });
    await admin.pool.query('DROP SCHEMA IF EXISTS clips_api CASCADE');
    await admin.close();
    store = await openStore({ databaseUrl: url, schema: 'clips_api' });
    await store.migrateDone;
    const m = await clipMedia();
    segments = m.segments;
    dir = await mkdtemp(path.join(os.tmpdir(), 'va-clip-api-'));
    fs.mkdirSync(path.join(dir, 'media'));
    fs.copyFileSync(m.h264, path.join(dir, 'media', 'cam.mp4'));
    const insert = 'INSERT INTO streams (stream_id, source, started_at) VALUES ($1, $2, $3)';
    await store.pool.query(insert, ['file-cam', path.join(dir, 'media', 'cam.mp4'), new Date(Date.UTC(2026, 11, 2, 9))]);
    await store.pool.query(insert, ['live-cam', 'rtsp://camera.local/stream', new Date(Date.UTC(2026, 11, 2, 9))]);
    await store.pool.query(insert, ['outside', '/etc/hostname', new Date()]);
    const objectStore = new FsObjectStore(path.join(dir, 'objects'));
    app = await buildApp(context(store, path.join(dir, 'media'), {
      objectStore,
      recordingSegments: async (id, fromUs, toUs) => (id === 'live-cam' ? segments.filter((s) => s.startUs < toUs && s.startUs + s.durationUs > fromUs) : []),
    }));
    bare = await buildApp(context(store, path.join(dir, 'media'), { objectStore }));
  });
  after(async () => {
    await app?.close();
    await bare?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exports a clip of a file stream and lists it', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/streams/file-cam/clips', payload: { from: 3, to: 6 } });
    assert.equal(res.statusCode, 200, res.body);
    const c = res.json();
    assert.equal(c.clipId, 'file-cam:3000-6000');
    assert.equal(c.mode, 'remux');
    assert.equal(c.source, 'file');
    assert.equal(c.ts, '2026-12-02T09:00:03.000Z');
    assert.deepEqual([c.startS, c.endS], [3, 6]);
    assert.ok(Math.abs(c.durationS - 3) <= 0.5, `duration ${c.durationS}`);
    assert.match(c.url, /^file:\/\//);
    const info = await discover(new URL(c.url).pathname);
    assert.ok(Math.abs(info.durationNs / 1e9 - 3) <= 0.5);
    assert.ok(fs.existsSync(new URL(c.posterUrl).pathname));

    const list = await app.inject({ method: 'GET', url: '/v1/streams/file-cam/clips' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().items.map((i: { clipId: string }) => i.clipId), ['file-cam:3000-6000']);

    // Its bytes through the API: whole, a range (a <video> seeking), and the poster.
    const base = `/v1/streams/file-cam/clips/${encodeURIComponent(c.clipId)}`;
    const whole = await app.inject({ method: 'GET', url: `${base}/video.mp4` });
    assert.equal(whole.statusCode, 200);
    assert.equal(whole.headers['content-type'], 'video/mp4');
    assert.equal(whole.rawPayload.length, c.sizeBytes);
    assert.ok(whole.rawPayload.equals(fs.readFileSync(new URL(c.url).pathname)));
    const part = await app.inject({ method: 'GET', url: `${base}/video.mp4`, headers: { range: 'bytes=100-199' } });
    assert.equal(part.statusCode, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${c.sizeBytes}`);
    assert.ok(part.rawPayload.equals(whole.rawPayload.subarray(100, 200)));
    const tail = await app.inject({ method: 'GET', url: `${base}/video.mp4`, headers: { range: 'bytes=-10' } });
    assert.ok(tail.statusCode === 206 && tail.rawPayload.equals(whole.rawPayload.subarray(-10)));
    const beyond = await app.inject({ method: 'GET', url: `${base}/video.mp4`, headers: { range: `bytes=${c.sizeBytes}-` } });
    assert.equal(beyond.statusCode, 416);
    const poster = await app.inject({ method: 'GET', url: `${base}/poster.jpg` });
    assert.equal(poster.statusCode, 200);
    assert.equal(poster.headers['content-type'], 'image/jpeg');
    assert.equal(poster.rawPayload.subarray(0, 2).toString('hex'), 'ffd8');
    assert.equal((await app.inject({ method: 'GET', url: '/v1/streams/file-cam/clips/nope/video.mp4' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: `${base}/other.txt` })).statusCode, 400);
  });

  it('cuts a live stream from its recording when the server keeps one', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/streams/live-cam/clips', payload: { from: 2, to: 7 } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().source, 'recording');
    assert.ok(Math.abs(res.json().durationS - 5) <= 0.5, res.body);
  });

  it('answers 400 naming the field, 404 for an unknown stream, 409 when there is no media to cut', async () => {
    const post = (app0: FastifyInstance, id: string, payload: unknown) => app0.inject({ method: 'POST', url: `/v1/streams/${id}/clips`, payload: payload as object });
    let r = await post(app, 'file-cam', { from: 5, to: 5 });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.field, 'body.to');
    assert.equal(r.json().error.code, 'E_CLIP_BAD_RANGE');
    r = await post(app, 'file-cam', { from: 0, to: 601 });
    assert.equal(r.statusCode, 400);
    assert.match(r.json().error.message, /at most 600 s/);
    r = await post(app, 'file-cam', { from: -1, to: 2 });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.field, 'body.from');
    r = await post(app, 'file-cam', { from: 'soon', to: 2 });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.field, 'body.from');
    r = await post(app, 'file-cam', { from: 20, to: 22 });
    assert.equal(r.statusCode, 400, r.body);
    assert.match(r.json().error.message, /past the end/);
    r = await post(app, 'nope', { from: 0, to: 1 });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.code, 'E_UNKNOWN_STREAM');
    r = await app.inject({ method: 'GET', url: '/v1/streams/nope/clips' });
    assert.equal(r.statusCode, 404);
    r = await post(bare, 'live-cam', { from: 0, to: 1 });
    assert.equal(r.statusCode, 409);
    assert.match(r.json().error.message, /no recording/);
    r = await post(app, 'live-cam', { from: 100, to: 101 });
    assert.equal(r.statusCode, 409);
    assert.match(r.json().error.message, /no recording covers 100\.\.101 s/);
    r = await post(app, 'outside', { from: 0, to: 1 });
    assert.equal(r.statusCode, 409, r.body);
    assert.equal(r.json().error.code, 'E_CLIP_NO_MEDIA');
  });
});
