import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoAgentError } from '../../src/errors';
import { openStore } from '../../src/store/open-store';
import { BASE_MS } from './helpers';
import { sampleRows } from './fixtures';
import { Pool } from 'pg';
import { startEmbeddedPostgres } from '../../src/store/embedded';

describe('store on the embedded database (PGlite over pglite-socket, same pg code path)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-store-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('migrates, writes with unnest, stays idempotent, searches; reopens the same data', async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const store = await openStore({ dataDir });
      try {
        assert.equal(store.kind, 'pglite');
        assert.equal(store.insertStrategy, 'unnest');
        assert.equal(store.pool.options.max, 1);
        // Written while migrations are still running: must reach the database, not linger in the spool.
        await store.recordSkip({ streamId: 'emb-1', ptsUs: 0, ts: BASE_MS, stage: 'detection', reason: 'queue_full' });
        await store.flush();
        assert.equal(store.stats().skips.spooled, 0);
        await store.migrateDone;
        assert.equal(store.timescale, false);
        const s = await store.upsertStream({ streamId: 'emb-1', source: 'sample', startedAt: BASE_MS });
        const rows = sampleRows('emb-1', s.startedAt);
        for (let pass = 0; pass < 2; pass++) {
          await store.writeFrames(rows.frameRows);
          await store.writeDetections(rows.detections);
          await store.writeAudioSegments(rows.audio);
          await store.writeEvents(rows.events);
          await store.writeMemoryChunks(rows.memory);
          await store.flush();
        }
        const c = await store.countRows('emb-1');
        assert.deepEqual([c.streams, c.frames, c.detections, c.audio_segments, c.events, c.memory_chunks, c.skips], [1, 10, 20, 2, 2, 2, 1]);
        const hits = await store.searchMemory('fox jumping');
        assert.equal(hits[0].kind, 'transcript');
        assert.deepEqual((await store.topEvents({ limit: 1 }))[0].tags, ['person', 'bike, red', 'quote"d']);
        // A second process cannot open the same data directory.
        await assert.rejects(openStore({ dataDir }), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_DB_LOCKED');
      } finally {
        await store.close();
      }
      const reopened = await openStore({ dataDir });
      try {
        await reopened.migrateDone;
        assert.equal((await reopened.countRows('emb-1')).detections, 20, 'data persisted in dataDir/pglite');
        assert.equal((await reopened.upsertStream({ streamId: 'emb-1', source: 'sample', startedAt: BASE_MS + 5 })).startedAt, BASE_MS);
      } finally {
        await reopened.close();
      }
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });

  it('refuses COPY on the embedded database (it breaks the protocol there)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-copy-'));
    try {
      await assert.rejects(openStore({ dataDir: dir, databaseUrl: undefined, insertStrategy: 'copy' }), /COPY does not work over the embedded database/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('store: the embedded database is not open to other local users', function () {
  this.timeout(60_000);
  it('listens on a unix socket in a 0700 directory, not on a TCP port', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-pglite-perm-'));
    const db = await startEmbeddedPostgres(dataDir);
    try {
      const host = new URLSearchParams(db.url.split('?')[1] ?? '').get('host') ?? '';
      assert.match(db.url, /^postgres:\/\/postgres@\/postgres\?host=/, `no TCP host or port in ${db.url}`);
      assert.equal(fs.statSync(host).mode & 0o777, 0o700, 'only the owner can reach the socket');
      assert.ok(fs.statSync(path.join(host, '.s.PGSQL.5432')).isSocket());
      const pool = new Pool({ connectionString: db.url, max: 1 });
      assert.equal((await pool.query('SELECT 1 AS x')).rows[0].x, 1);
      await pool.end();
    } finally {
      await db.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
