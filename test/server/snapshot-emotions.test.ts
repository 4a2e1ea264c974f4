/** The snapshot tags faces with their expression when the emotion stage runs (the dashboard tile shows it). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serveConfigSchema } from '../../src/server/config/server-config';
import { startServer, type RunningServer } from '../../src/server/start-server';
import { drawDetections } from '../../src/server/snapshot/draw-detections';
import { astronautWithSpeech } from '../e2e/media';
import { e2eEnv, type E2eEnv } from '../e2e/helpers';
import { api, apiBytes, tempDir, waitFor } from './helpers';

describe('serve: snapshot with emotion tags', function () {
  this.timeout(180_000);
  const dir = tempDir('va-snap-emo-');
  let env: E2eEnv;
  let srv: RunningServer | null = null;
  before(async () => { env = await e2eEnv('serve_snapshot_emotions'); });
  after(async () => { await srv?.close({ timeoutMs: 20_000 }); await env?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('draws the face boxes with their emotion besides the person box', async () => {
    fs.mkdirSync(path.join(dir, 'media'));
    fs.copyFileSync(astronautWithSpeech(), path.join(dir, 'media', 'astro.mp4'));
    srv = await startServer({ config: serveConfigSchema.parse({ server: { port: 0, mediaRoots: [path.join(dir, 'media')] } }), runtime: env.rt, env: {} });
    const add = await api(srv.url, 'POST', '/v1/streams', { body: { id: 'emo', source: 'astro.mp4', stages: ['detection', 'emotion'], fps: 5 } });
    assert.equal(add.status, 201, add.text);
    await waitFor(async () => (await api(srv!.url, 'GET', '/v1/streams/emo')).json.state === 'ended', 120_000, 'ended');
    const latest = srv.ctx.latestFrame('emo');
    assert.ok(latest?.emotions && latest.emotions.faces.length >= 1, 'an emotions message with a face near the latest frame');
    const snap = await apiBytes(srv.url, '/v1/streams/emo/snapshot.jpg');
    assert.equal(snap.status, 200);
    const personOnly = await drawDetections(latest.frame.jpeg, latest.frame, latest.detections?.detections ?? []);
    assert.ok(!snap.body.equals(personOnly), 'the face and its tag are drawn too');
    const emotions = await api(srv.url, 'GET', '/v1/streams/emo/emotions');
    assert.ok(emotions.json.items.length >= 1 && emotions.json.items.every((e: { trackId: number | null }) => e.trackId !== null), emotions.text);
  });
});
