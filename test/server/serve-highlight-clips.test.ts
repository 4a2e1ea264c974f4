/** `serve` cuts the best highlights of a file stream into clips automatically once the file is analysed. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { generateClip } from '../../src/media';
import { api, schemaDatabaseUrl, startServe, tempDir, waitFor, type ServeProcess } from './helpers';

const KEY = 'key-hlclips-0123456789abcdef';

describe('serve: automatic highlight clips', function () {
  this.timeout(180_000);
  const dir = tempDir('va-serve-hlclips-');
  let db: Awaited<ReturnType<typeof schemaDatabaseUrl>>;
  let srv: ServeProcess | undefined;

  before(async () => {
    db = await schemaDatabaseUrl('serve_hl_clips');
    fs.mkdirSync(path.join(dir, 'media'));
    const file = await generateClip({ durationS: 36, width: 320, height: 180, fps: 10, audio: 'tone', pattern: 'ball', cutTo: { atS: 24, pattern: 'smpte' }, loud: { atS: 9, seconds: 1.5 } });
    fs.copyFileSync(file, path.join(dir, 'media', 'planted.mp4'));
    srv = await startServe({
      dir,
      env: { DATABASE_URL: db.url, VIDEO_AGENT_API_KEY: KEY },
      config: [
        'server:',
        '  dataDir: ./state',
        '  mediaRoots: [./media]',
        'defaults:',
        '  clips: { top: 2 }',
        'streams:',
        '  - id: planted',
        '    source: planted.mp4',
        '    stages: [highlights]',
        '  - id: no-clips',
        '    source: planted.mp4',
        '    stages: [highlights]',
        '    clips: { top: 0 }',
      ].join('\n'),
    });
  });
  after(async () => {
    await srv?.stop('SIGKILL').catch(() => undefined);
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a file stream that ends has its top highlights cut into clips in <dataDir>/clips, listed with the highlights', async () => {
    for (const id of ['planted', 'no-clips']) {
      await waitFor(async () => (await api(srv!.url, 'GET', `/v1/streams/${id}`, { key: KEY })).json?.state === 'ended', 120_000, `${id} ended`);
    }
    const hl = await api(srv!.url, 'GET', '/v1/streams/planted/highlights', { key: KEY });
    assert.equal(hl.status, 200, hl.text);
    assert.equal(hl.json.items.length, 2, hl.text);
    for (const h of hl.json.items) {
      assert.match(h.clipUri, /^file:\/\//, `highlight ${h.startS} has a clip`);
      const file = decodeURIComponent(new URL(h.clipUri).pathname);
      assert.ok(file.startsWith(path.join(dir, 'state', 'clips')) && fs.statSync(file).size > 1000, file);
      assert.ok(Object.keys(h.contributions).length >= 1);
    }
    const clips = await api(srv!.url, 'GET', '/v1/streams/planted/clips', { key: KEY });
    assert.equal(clips.status, 200, clips.text);
    assert.equal(clips.json.items.length, 2);
    const none = await api(srv!.url, 'GET', '/v1/streams/no-clips/clips', { key: KEY });
    assert.equal(none.json.items.length, 0, 'clips: { top: 0 } cuts none');
  });
});
