import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { copyInsert, unnestInsert, type BulkInsert } from '../../src/store/insert';
import { migrate } from '../../src/store/migrate';
import { startEmbeddedPostgres } from '../../src/store/embedded';
import type { AudioSegmentRow, DetectionRow, EmotionRow, EndpointCallRow, EventRow, TableName } from '../../src/store/rows';
import { TABLES, type TableSpec } from '../../src/store/tables';
import { requirePostgres } from '../helpers/services';
import { BASE_MS, dropSchema, uniqueSchema } from './helpers';

const AWKWARD = ['tab\there', 'new\nline', 'cr\r\nlf', 'back\\slash', '\\N', '\\.', 'quote"d', "apos'", 'comma, {brace}', 'żółć 日本語 🎥 e\u0301', '', 'NULL', ' spaced '];

/** Rows for every column type, with the awkward values: µs timestamps, huge and pre-2000 values, NULLs. */
function awkwardRows(streamId: string) {
  const at = (ptsUs: number) => ({ streamId, ptsUs, ts: BASE_MS + ptsUs / 1000 + 0.007 }); // +7 µs
  const detections: DetectionRow[] = AWKWARD.map((className, i) => ({
    ...at(i * 100_000 + 1), detIdx: i % 3, classId: i, className, confidence: 0.1 + i / 100,
    bbox: [0.1 * i, 20.123456789, -3.5, 1e6 + i] as [number, number, number, number], trackId: i % 2 ? null : i,
  }));
  detections.push({ ...at(2 ** 53 - 1), ts: BASE_MS, detIdx: 2 ** 31 - 1, classId: -(2 ** 31), className: 'max', confidence: 1, bbox: [0, 0, 1, 1] });
  const emotions: EmotionRow[] = [
    { ...at(5), faceIdx: 0, emotion: 'happy', confidence: 0.8, scores: { happy: 0.8, 'neu"tral\\': 0.2, 'ключ\t': 1e-7 }, bbox: [1, 2, 3, 4], trackId: 7 },
    { ...at(6), faceIdx: 1, emotion: AWKWARD[9], confidence: 0.5, bbox: null },
  ];
  const audio: AudioSegmentRow[] = [
    { ...at(0), startUs: 0, endUs: 2_500_000, text: AWKWARD.join(' | '), confidence: 0.7, speakerId: 'S\t1', prosody: { f0Hz: 180.5, nested: { list: [1, 'a\nb', null, true] }, s: '\\"' } },
    { ...at(2_500_000), startUs: 2_500_000, endUs: 2_500_000, text: '', isSilence: true },
  ];
  const events: EventRow[] = [
    { ...at(1_000_000), startUs: 1_000_000, endUs: 3_000_000, description: AWKWARD.join('\n'), tags: AWKWARD, clipWorthyScore: 0.9, model: 'm' },
    { ...at(3_000_000), startUs: 3_000_000, endUs: 4_000_000, description: 'none', tags: [], clipWorthyScore: 0, model: 'm' },
  ];
  const calls: EndpointCallRow[] = [
    { streamId, ts: Date.UTC(1999, 11, 31, 23, 59, 59) + 0.123, ptsUs: null, callId: `${streamId}-1`, model: 'yolo', endpoint: 'e\\p', ms: 12.5, gpuSeconds: 0.1, costUsd: 0.1 + 0.2, ok: true, error: null },
    { streamId, ts: BASE_MS + 0.001, ptsUs: 42, callId: `${streamId}-2`, model: 'yolo', endpoint: 'ep', ms: 5000, ok: false, error: AWKWARD[1] },
  ];
  return { detections, emotions, audio_segments: audio, events, endpoint_calls: calls };
}
type Awkward = ReturnType<typeof awkwardRows>;
const ROUND_TRIP_TABLES = ['detections', 'emotions', 'audio_segments', 'events', 'endpoint_calls'] as const;

/** Reads a table back with every value in an exact form: µs as text, floats widened to float8 (ORDER BY the
 * table's column, not the text alias). */
const READ: Record<(typeof ROUND_TRIP_TABLES)[number], string> = {
  detections: `SELECT stream_id, pts_us::text, (extract(epoch FROM ts) * 1000000)::bigint::text AS ts_us, det_idx, class_id, class_name, confidence::float8, bbox::float8[], track_id FROM detections d ORDER BY d.pts_us, d.det_idx`,
  emotions: `SELECT stream_id, pts_us::text, (extract(epoch FROM ts) * 1000000)::bigint::text AS ts_us, face_idx, emotion, confidence::float8, scores, bbox::float8[], track_id FROM emotions e ORDER BY e.pts_us`,
  audio_segments: `SELECT stream_id, pts_us::text, (extract(epoch FROM ts) * 1000000)::bigint::text AS ts_us, start_us::text, end_us::text, text, confidence::float8, speaker_id, prosody, is_silence FROM audio_segments a ORDER BY a.pts_us`,
  events: `SELECT stream_id, pts_us::text, (extract(epoch FROM ts) * 1000000)::bigint::text AS ts_us, start_us::text, end_us::text, description, tags, clip_worthy_score::float8, model FROM events e ORDER BY e.pts_us`,
  endpoint_calls: `SELECT stream_id, (extract(epoch FROM ts) * 1000000)::bigint::text AS ts_us, pts_us::text, call_id, model, endpoint, ms::float8, gpu_seconds::float8, cost_usd, ok, error FROM endpoint_calls ORDER BY call_id`,
};

const us = (ts: number) => String(Math.round(ts * 1000));
const f4 = (v: number | null | undefined) => (v == null ? null : Math.fround(v));
const key = (r: { streamId: string; ptsUs: number; ts: number }) => ({ stream_id: r.streamId, pts_us: String(r.ptsUs), ts_us: us(r.ts) });

/** What READ must return for the rows: real columns hold the float4 nearest the JS value. */
function expected(rows: Awkward): Record<string, unknown[]> {
  const byPts = <T extends { ptsUs: number }>(a: T[]) => [...a].sort((x, y) => x.ptsUs - y.ptsUs);
  return {
    detections: byPts(rows.detections).map((r) => ({ ...key(r), det_idx: r.detIdx, class_id: r.classId, class_name: r.className, confidence: f4(r.confidence), bbox: r.bbox.map(f4), track_id: r.trackId ?? null })),
    emotions: byPts(rows.emotions).map((r) => ({ ...key(r), face_idx: r.faceIdx, emotion: r.emotion, confidence: f4(r.confidence), scores: r.scores ?? {}, bbox: r.bbox ? r.bbox.map(f4) : null, track_id: r.trackId ?? null })),
    audio_segments: byPts(rows.audio_segments).map((r) => ({ ...key(r), start_us: String(r.startUs), end_us: String(r.endUs), text: r.text, confidence: f4(r.confidence), speaker_id: r.speakerId ?? null, prosody: r.prosody ?? null, is_silence: r.isSilence ?? false })),
    events: byPts(rows.events).map((r) => ({ ...key(r), start_us: String(r.startUs), end_us: String(r.endUs), description: r.description, tags: r.tags ?? [], clip_worthy_score: f4(r.clipWorthyScore), model: r.model })),
    endpoint_calls: [...rows.endpoint_calls].sort((a, b) => a.callId!.localeCompare(b.callId!)).map((r) => ({
      stream_id: r.streamId, ts_us: us(r.ts), pts_us: r.ptsUs == null ? null : String(r.ptsUs), call_id: r.callId, model: r.model, endpoint: r.endpoint,
      ms: f4(r.ms), gpu_seconds: f4(r.gpuSeconds ?? 0), cost_usd: r.costUsd ?? 0, ok: r.ok, error: r.error ?? null,
    })),
  };
}

type Maker = (pool: Pool, spec: TableSpec<never>) => BulkInsert<never>;
const STRATEGIES: { name: string; make: Maker }[] = [
  { name: 'copy (binary, fast path)', make: (pool, spec) => copyInsert(pool, spec) },
  { name: 'copy (binary via staging table, ON CONFLICT)', make: (pool, spec) => copyInsert(pool, spec, { fastPath: false }) },
  { name: 'unnest', make: (pool, spec) => unnestInsert(pool, spec) },
];

function inserters(pool: Pool, make: Maker) {
  const cache = new Map<TableName, BulkInsert<never>>();
  return <K extends TableName>(table: K, rows: unknown[]): Promise<number> => {
    if (!cache.has(table)) cache.set(table, make(pool, TABLES[table] as unknown as TableSpec<never>));
    return cache.get(table)!(rows as never[]);
  };
}

async function schemaPool(schema: string): Promise<Pool> {
  const url = await requirePostgres();
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new Pool({ connectionString: url, max: 3, options: `-c search_path=${schema}` });
  await migrate(pool, { timescale: false });
  return pool;
}

async function count(pool: Pool, table: string): Promise<number> {
  return Number((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
}

async function readAll(pool: Pool): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of ROUND_TRIP_TABLES) out[t] = (await pool.query(READ[t])).rows;
  return out;
}

function det(streamId: string, ptsUs: number, detIdx = 0): DetectionRow {
  return { streamId, ptsUs, ts: BASE_MS + ptsUs / 1000, detIdx, classId: 1, className: 'person', confidence: 0.5, bbox: [1, 2, 3, 4], trackId: null };
}

describe('store/insert strategies on PostgreSQL (127.0.0.1:5432)', () => {
  for (const s of STRATEGIES) {
    describe(s.name, () => {
      const schema = uniqueSchema('t_insert');
      let pool: Pool;
      before(async () => { pool = await schemaPool(schema); });
      after(async () => { await pool?.end(); await dropSchema(schema); });

      it('round-trips every column type exactly', async () => {
        const rows = awkwardRows('cam-rt');
        const ins = inserters(pool, s.make);
        for (const t of ROUND_TRIP_TABLES) assert.equal(await ins(t, rows[t]), rows[t].length, t);
        assert.deepEqual(await readAll(pool), expected(rows));
      });

      it('is idempotent: the same batch twice adds nothing, an overlapping batch adds only its new rows', async () => {
        const ins = inserters(pool, s.make);
        const first = Array.from({ length: 50 }, (_, i) => det('cam-idem', i * 1000, i % 2));
        assert.equal(await ins('detections', first), 50);
        assert.equal(await ins('detections', first), 0);
        const overlap = Array.from({ length: 50 }, (_, i) => det('cam-idem', (i + 30) * 1000, (i + 30) % 2));
        assert.equal(await ins('detections', overlap), 30);
        assert.equal(Number((await pool.query(`SELECT count(*) FROM detections WHERE stream_id = 'cam-idem'`)).rows[0].count), 80);
        const again = inserters(pool, s.make); // a restarted process: no memory of what it wrote
        assert.equal(await ins('detections', [...first, ...overlap]), 0);
        assert.equal(await again('detections', [...first, ...overlap]), 0);
      });

      it('refuses a row the database rejects and leaves the connection usable', async () => {
        const ins = inserters(pool, s.make);
        const bad = { ...det('cam-bad', 1), bbox: [1, 2, 3] };
        await assert.rejects(ins('detections', [det('cam-bad', 0), bad]), (e: unknown) => (e as { code?: string }).code === '23514');
        assert.equal(Number((await pool.query(`SELECT count(*) FROM detections WHERE stream_id = 'cam-bad'`)).rows[0].count), 0, 'nothing of the batch kept');
        for (let i = 0; i < 4; i++) assert.equal(await ins('detections', [det('cam-bad', 10 + i)]), 1); // every pooled connection still in sync
      });
    });
  }

  describe('all strategies store the same bytes (ts is part of every unique key)', () => {
    const schemas = STRATEGIES.map(() => uniqueSchema('t_insert_x'));
    const pools: Pool[] = [];
    before(async () => { for (const sc of schemas) pools.push(await schemaPool(sc)); });
    after(async () => { for (const p of pools) await p.end(); for (const sc of schemas) await dropSchema(sc); });

    it('reads back identically, and a re-run through another strategy inserts nothing', async () => {
      const rows = awkwardRows('cam-x');
      const texts: string[] = [];
      for (let i = 0; i < STRATEGIES.length; i++) {
        const ins = inserters(pools[i], STRATEGIES[i].make);
        for (const t of ROUND_TRIP_TABLES) await ins(t, rows[t]);
        const dump = [];
        for (const t of ROUND_TRIP_TABLES) dump.push((await pools[i].query(`SELECT ${t}::text AS r FROM ${t} ORDER BY 1`)).rows.map((r) => r.r));
        texts.push(JSON.stringify(dump));
        for (let j = 0; j < STRATEGIES.length; j++) {
          const other = inserters(pools[i], STRATEGIES[j].make);
          for (const t of ROUND_TRIP_TABLES) assert.equal(await other(t, rows[t]), 0, `${STRATEGIES[j].name} re-running rows written by ${STRATEGIES[i].name} (${t})`);
        }
      }
      assert.equal(texts[1], texts[0]);
      assert.equal(texts[2], texts[0]);
    });
  });

  describe('copy fast path: COPY straight into the table only when the range is proven new', () => {
    const schema = uniqueSchema('t_insert_fast');
    let pool: Pool;
    before(async () => { pool = await schemaPool(schema); });
    after(async () => { await pool?.end(); await dropSchema(schema); });

    it('goes direct for a new range and falls back to ON CONFLICT for a seen, gapped or mixed range', async () => {
      const ins = copyInsert(pool, TABLES.detections);
      assert.equal(await ins([det('f', 100), det('f', 100, 1), det('f', 200)]), 3);
      assert.deepEqual(ins.counters, { direct: 1, staged: 0, raced: 0 });
      assert.equal(await ins([det('f', 300), det('f', 400)]), 2, 'above the stored range: new');
      assert.deepEqual(ins.counters, { direct: 2, staged: 0, raced: 0 });
      assert.equal(await ins([det('f', 200), det('f', 500)]), 1, 'touches a stored row');
      assert.deepEqual(ins.counters, { direct: 2, staged: 1, raced: 0 });
      assert.equal(await ins([det('f', 150), det('f', 250)]), 2, 'all new rows, but a stored row lies inside the range: cannot prove it');
      assert.deepEqual(ins.counters, { direct: 2, staged: 2, raced: 0 });
      assert.equal(await ins([det('g', 100), det('f', 600), det('f', 400)]), 2, 'one new stream, one seen range');
      assert.deepEqual(ins.counters, { direct: 2, staged: 3, raced: 0 });
      assert.equal(await ins([det('h', 1), det('h', 1)]), 1, 'a duplicate inside a new batch: the unique index refuses the COPY');
      assert.deepEqual(ins.counters, { direct: 2, staged: 4, raced: 1 });
      assert.equal(await count(pool, 'detections'), 11);
    });

    it('a racing writer that commits the same keys first: the COPY is rolled back and the batch takes ON CONFLICT', async () => {
      const ins = copyInsert(pool, TABLES.detections);
      const rival = await pool.connect();
      try {
        await rival.query('BEGIN');
        await rival.query(`INSERT INTO detections (stream_id, ts, pts_us, det_idx, class_id, class_name, confidence, bbox) VALUES ('race', $1, 2000, 0, 1, 'rival', 0.5, '{1,2,3,4}')`, [new Date(BASE_MS + 2)]);
        // Uncommitted, the rival row is invisible to the range check: the COPY starts and waits on the index.
        const p = ins([det('race', 1000), det('race', 2000), det('race', 3000)]);
        let waiting = false;
        for (let i = 0; i < 100 && !waiting; i++) {
          await new Promise((r) => setTimeout(r, 20));
          const w = await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY "detections"%'`);
          waiting = w.rows[0].n > 0;
        }
        assert.ok(waiting, 'the direct COPY waits on the rival transaction');
        await rival.query('COMMIT');
        assert.equal(await p, 2);
      } finally {
        rival.release();
      }
      assert.deepEqual(ins.counters, { direct: 0, staged: 1, raced: 1 });
      const rows = (await pool.query(`SELECT pts_us::int AS p, class_name FROM detections WHERE stream_id = 'race' ORDER BY pts_us`)).rows;
      assert.deepEqual(rows, [{ p: 1000, class_name: 'person' }, { p: 2000, class_name: 'rival' }, { p: 3000, class_name: 'person' }]);
    });

    it('tables whose key does not start with (stream_id, pts_us) always take ON CONFLICT', async () => {
      const ins = copyInsert(pool, TABLES.endpoint_calls);
      const rows = awkwardRows('calls').endpoint_calls;
      assert.equal(await ins(rows), 2);
      assert.equal(await ins(rows), 0);
      assert.deepEqual(ins.counters, { direct: 0, staged: 2, raced: 0 });
    });
  });
});

describe('store/insert unnest on the embedded database (PGlite over pglite-socket)', () => {
  it('round-trips every column type exactly and stays idempotent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insert-pglite-'));
    const emb = await startEmbeddedPostgres(dir);
    const pool = new Pool({ connectionString: emb.url, max: 1 });
    try {
      await migrate(pool, { timescale: false });
      const rows = awkwardRows('cam-lite');
      const ins = inserters(pool, (p, spec) => unnestInsert(p, spec));
      for (const t of ROUND_TRIP_TABLES) assert.equal(await ins(t, rows[t]), rows[t].length, t);
      for (const t of ROUND_TRIP_TABLES) assert.equal(await ins(t, rows[t]), 0, `${t} re-run`);
      assert.deepEqual(await readAll(pool), expected(rows));
    } finally {
      await pool.end();
      await emb.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
