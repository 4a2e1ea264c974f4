/**
 * Graceful shutdown of a real `serve` process: SIGTERM in the middle of a file stream, then every frame
 * ingested so far has its frames row and its detection outcome (detections, or a recorded skip), and the
 * process exits 0 within its shutdown budget.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store';
import { generateClip } from '../../src/media/generate-clip';
import { ASTRONAUT_PNG } from '../e2e/media';
import { api, schemaDatabaseUrl, startServe, tempDir, waitFor } from './helpers';

describe('serve: SIGTERM drains', function () {
  this.timeout(240_000);
  const dir = tempDir('va-serve-term-');
  let db: Awaited<ReturnType<typeof schemaDatabaseUrl>>;
  after(async () => {
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM mid-stream: exit 0, and every frame ingested so far has its rows', async () => {
    db = await schemaDatabaseUrl('serve_term');
    fs.mkdirSync(path.join(dir, 'media'));
    // 40 s of a person (the astronaut still): far longer than the test lets it run, detected on every frame.
    const clip = await generateClip({ durationS: 40, width: 640, height: 360, fps: 10, audio: 'none', still: { path: ASTRONAUT_PNG, seconds: 40 } });
    fs.copyFileSync(clip, path.join(dir, 'media', 'long.mp4'));
    const srv = await startServe({
      dir, env: { DATABASE_URL: db.url },
      config: ['server:', '  mediaRoots: [./media]', '  shutdownTimeoutS: 60', 'streams:', '  - id: long', '    source: long.mp4', '    stages: [detection]', '    fps: 5'].join('\n'),
    });
    await waitFor(async () => ((await api(srv.url, 'GET', '/v1/streams/long')).json?.ingest?.frames ?? 0) >= 25, 90_000, '25 frames ingested');
    const t0 = Date.now();
    const exit = await srv.stop('SIGTERM', 90_000);
    const stopMs = Date.now() - t0;
    assert.equal(exit.code, 0, srv.stderr());
    const m = /stream long stopped: (\d+) frames ingested/.exec(srv.stderr());
    assert.ok(m, srv.stderr());
    const ingested = Number(m[1]);
    assert.ok(ingested >= 25 && ingested < 200, `stopped mid-stream: ${ingested} of 200 frames`);

    const store = await openStore({ databaseUrl: db.url, migrate: false });
    try {
      const n = async (sql: string) => Number((await store.pool.query(sql, ['long'])).rows[0].n);
      assert.equal(await n('SELECT count(*) AS n FROM frames WHERE stream_id = $1'), ingested, 'one frames row per ingested frame');
      const unaccounted = await n(`SELECT count(*) AS n FROM frames f WHERE f.stream_id = $1
        AND NOT EXISTS (SELECT 1 FROM detections d WHERE d.stream_id = f.stream_id AND d.pts_us = f.pts_us)
        AND NOT EXISTS (SELECT 1 FROM skips k WHERE k.stream_id = f.stream_id AND k.stage = 'detection' AND k.pts_us = f.pts_us)`);
      assert.equal(unaccounted, 0, 'every ingested frame has its detection outcome (the stage drained before exit)');
    } finally {
      await store.close();
    }
    assert.ok(stopMs < 60_000, `stopped within the shutdown budget (${stopMs} ms)`);
  });
});
