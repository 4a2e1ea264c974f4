/**
 * COPY vs unnest INSERT throughput (detection rows) on real PostgreSQL, plus unnest on the embedded PGlite.
 * Baseline: unnest on Postgres in the same run. `--quick`: 20k rows instead of 100k.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Pool } from 'pg';
import { bulkInsert, type InsertStrategy } from '../../src/store/insert';
import { migrate } from '../../src/store/migrate';
import { startEmbeddedPostgres } from '../../src/store/embedded';
import type { DetectionRow } from '../../src/store/rows';
import { TABLES } from '../../src/store/tables';

const quick = process.argv.includes('--quick');
const N = quick ? 20_000 : 100_000;
const BATCH = 5_000;
const DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function rows(streamId: string): DetectionRow[] {
  const base = Date.UTC(2026, 0, 1);
  return Array.from({ length: N }, (_, i) => {
    const ptsUs = Math.floor(i / 5) * 100_000;
    return { streamId, ptsUs, ts: base + ptsUs / 1000, detIdx: i % 5, classId: i % 80, className: 'person', confidence: 0.5 + (i % 50) / 100, bbox: [i % 640, i % 360, (i % 640) + 50, (i % 360) + 80], trackId: i % 37 };
  });
}

async function measure(pool: Pool, strategy: InsertStrategy, label: string): Promise<number> {
  const insert = bulkInsert(strategy, pool, TABLES.detections);
  const data = rows(`bench-${strategy}`);
  const t0 = process.hrtime.bigint();
  let inserted = 0;
  for (let i = 0; i < data.length; i += BATCH) inserted += await insert(data.slice(i, i + BATCH));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (inserted !== N) throw new Error(`${label}: inserted ${inserted} of ${N}`);
  // Idempotency cost: the same rows again insert nothing.
  const t1 = process.hrtime.bigint();
  let again = 0;
  for (let i = 0; i < data.length; i += BATCH) again += await insert(data.slice(i, i + BATCH));
  const s2 = Number(process.hrtime.bigint() - t1) / 1e9;
  if (again !== 0) throw new Error(`${label}: re-run inserted ${again}`);
  const rate = N / s;
  console.log(`${label.padEnd(28)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} rows/s  (${s.toFixed(2)} s; re-run of the same rows ${Math.round(N / s2).toLocaleString('en-US')} rows/s, 0 inserted)`);
  return rate;
}

async function main(): Promise<void> {
  console.log(`${N.toLocaleString('en-US')} detection rows, batches of ${BATCH}`);
  const schema = `bench_store_${crypto.randomBytes(3).toString('hex')}`;
  const admin = new Pool({ connectionString: DB, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = new Pool({ connectionString: DB, max: 2, options: `-c search_path=${schema}` });
  try {
    await migrate(pool, { timescale: false });
    const unnestPg = await measure(pool, 'unnest', 'postgres unnest (baseline)');
    const copyPg = await measure(pool, 'copy', 'postgres COPY+temp table');
    console.log(`ratio COPY / unnest on postgres: ${(copyPg / unnestPg).toFixed(2)}x`);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pglite-'));
    const emb = await startEmbeddedPostgres(dir);
    const lite = new Pool({ connectionString: emb.url, max: 1 });
    try {
      await migrate(lite, { timescale: false });
      const unnestLite = await measure(lite, 'unnest', 'pglite unnest');
      console.log(`ratio pglite unnest / postgres unnest: ${(unnestLite / unnestPg).toFixed(2)}x`);
    } finally {
      await lite.end();
      await emb.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await pool.end();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
