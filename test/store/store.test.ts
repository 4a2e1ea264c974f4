import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoAgentError } from '../../src/errors';
import { openStore, type Store } from '../../src/store/open-store';
import type { InsertStrategy } from '../../src/store/insert';
import { isoMicros } from '../../src/store/time';
import { requirePostgres } from '../helpers/services';
import { BASE_MS, dropSchema, uniqueSchema } from './helpers';
import { sampleRows } from './fixtures';

async function writeAll(store: Store, rows: ReturnType<typeof sampleRows>): Promise<void> {
  await store.writeFrames(rows.frameRows);
  await store.writeDetections(rows.detections);
  await store.writeEmotions(rows.emotions);
  await store.writeAudioSegments(rows.audio);
  await store.writeEvents(rows.events);
  await store.writeHighlights(rows.highlights);
  await store.writeMemoryChunks(rows.memory);
  await store.recordSkip(rows.skips);
  await store.recordEndpointCall(rows.calls);
  await store.flush();
}

export const EXPECTED = { streams: 1, frames: 10, detections: 20, emotions: 1, audio_segments: 2, events: 2, highlights: 1, memory_chunks: 2, skips: 1, endpoint_calls: 2, speaker_turns: 0 };

describe('store on PostgreSQL (127.0.0.1:5432)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  for (const strategy of ['copy', 'unnest'] as InsertStrategy[]) {
    describe(`insert strategy ${strategy}`, () => {
      const schema = uniqueSchema();
      let store: Store;
      before(async () => {
        store = await openStore({ databaseUrl: await requirePostgres(), schema, dataDir, insertStrategy: strategy, writer: { maxBatch: 7 } });
        await store.migrateDone;
      });
      after(async () => { await store?.close(); await dropSchema(schema); });

      it('writes every table; a re-run of the same rows adds none', async () => {
        assert.equal(store.kind, 'postgres');
        assert.equal(store.insertStrategy, strategy);
        const s = await store.upsertStream({ streamId: 'cam-1', source: 'file:///x.mp4', startedAt: BASE_MS });
        assert.equal(s.created, true);
        const rows = sampleRows('cam-1', s.startedAt);
        await writeAll(store, rows);
        assert.deepEqual(await store.countRows('cam-1'), EXPECTED);
        await writeAll(store, sampleRows('cam-1', s.startedAt)); // redelivery / re-run
        assert.deepEqual(await store.countRows('cam-1'), EXPECTED);
        assert.equal(store.stats().detections.duplicates, 20);
      });

      it('re-running a stream reuses its stored time base', async () => {
        const again = await store.upsertStream({ streamId: 'cam-1', source: 'file:///x.mp4', startedAt: BASE_MS + 3_600_000 });
        assert.equal(again.created, false);
        assert.equal(again.startedAt, BASE_MS);
      });

      it('round-trips values exactly: µs timestamps, bbox, tags, tabs/quotes/backslashes, jsonb', async () => {
        const det = await store.pool.query(`SELECT pts_us, ts, bbox, track_id, class_name FROM detections WHERE stream_id = 'cam-1' AND pts_us = 100007 AND det_idx = 1`);
        assert.equal(det.rows[0].pts_us, '100007');
        assert.deepEqual(det.rows[0].bbox, [10.5, 20, 110.25, 220]);
        assert.equal(det.rows[0].track_id, 2);
        assert.equal(det.rows[0].class_name, 'bicycle');
        const tsText = await store.pool.query(`SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM frames WHERE stream_id = 'cam-1' AND pts_us = 100007`);
        assert.equal(tsText.rows[0].t, isoMicros(BASE_MS + 100.007));
        const a = await store.pool.query(`SELECT text, prosody, is_silence, speaker_id FROM audio_segments WHERE stream_id = 'cam-1' ORDER BY pts_us`);
        assert.equal(a.rows[0].text, 'the quick brown fox\tjumps "over" \\ the lazy dog\n');
        assert.deepEqual(a.rows[0].prosody, { f0Hz: 180.5, energy: 0.3 });
        assert.equal(a.rows[1].is_silence, true);
        const top = await store.topEvents({ streamId: 'cam-1', limit: 1 });
        assert.equal(top.length, 1);
        assert.deepEqual(top[0].tags, ['person', 'bike, red', 'quote"d']);
        assert.equal(top[0].description, 'a person rides a bicycle');
        assert.equal(top[0].startUs, 1_000_000);
      });

      it('searches memory by text (stemmed) and summarises calls and skips', async () => {
        const hits = await store.searchMemory('bicycles riding', { streamId: 'cam-1' });
        assert.equal(hits.length, 1);
        assert.equal(hits[0].kind, 'event');
        assert.deepEqual(await store.searchMemory('submarine'), []);
        const calls = await store.endpointCallSummary('cam-1');
        assert.equal(calls[0].calls, 2);
        assert.equal(calls[0].failed, 1);
        assert.ok(Math.abs(calls[0].gpuSeconds - 0.1) < 1e-6);
        assert.deepEqual(await store.skipSummary('cam-1'), [{ stage: 'detection', reason: 'breaker open', count: 1 }]);
        assert.equal((await store.pool.query(`SELECT detail FROM skips WHERE stream_id = 'cam-1'`)).rows[0].detail, 'yolo: 5 failures');
      });

      it('refuses a bad row with a clear error naming the table and field', async () => {
        await assert.rejects(
          store.writeDetections([{ streamId: 'cam-1', ptsUs: 1.5, ts: BASE_MS, detIdx: 0, classId: 0, className: 'x', confidence: 1, bbox: [0, 0, 1, 1] }]),
          (e: unknown) => e instanceof VideoAgentError && /detections: ptsUs/.test(e.message),
        );
        await assert.rejects(
          store.writeEvents([{ streamId: 'cam-1', ptsUs: 0, ts: BASE_MS, startUs: 0, endUs: 1, description: 'x', clipWorthyScore: 2, model: 'm' }]),
          /clipWorthyScore must be in 0\.\.1/,
        );
      });
    });
  }
});
