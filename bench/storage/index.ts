/**
 * Detection-row write throughput on real PostgreSQL for every insert variant, plus unnest on the embedded
 * PGlite. Baselines, measured in the same run: the writers as they were before binary COPY (./baseline.ts),
 * i.e. unnest and text COPY through a temp table. Every measurement starts from an empty table after a
 * CHECKPOINT, variants are interleaved and rotated per round, and the median of the rounds is reported.
 * Each variant also re-sends the same rows (all duplicates) to show what idempotency costs. The machine's
 * cores are shared, so wall-clock rates swing with other load: each row also reports CPU µs per row (this
 * process plus the Postgres backend, from /proc; PGlite runs in this process), which is steadier.
 * Then the BatchWriter itself (./writer.ts): durable writes with group commit against the old writer.
 * `--quick`: 20k rows, 2 rounds. `--writer`: only the BatchWriter part.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Pool } from 'pg';
import { copyInsert, unnestInsert, type BulkInsert, type CopyBulkInsert } from '../../src/store/insert';
import { migrate } from '../../src/store/migrate';
import { startEmbeddedPostgres } from '../../src/store/embedded';
import type { DetectionRow } from '../../src/store/rows';
import { TABLES } from '../../src/store/tables';
import { baselineCopyTemp, baselineUnnest, preparedUnnest } from './baseline';
import { benchWriter } from './writer';

const quick = process.argv.includes('--quick');
const N = quick ? 20_000 : 200_000;
const ROUNDS = quick ? 2 : 3;
const LITE_N = quick ? 10_000 : 50_000;
const DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Variant {
  label: string;
  batch: number;
  make(pool: Pool): BulkInsert<DetectionRow>;
}

const spec = TABLES.detections;
const VARIANTS: Variant[] = [
  { label: 'baseline unnest', batch: 5000, make: (p) => baselineUnnest(p, spec) },
  { label: 'baseline COPY text + temp', batch: 5000, make: (p) => baselineCopyTemp(p, spec) },
  { label: 'unnest (kept, PGlite)', batch: 5000, make: (p) => unnestInsert(p, spec) },
  { label: 'unnest prepared (not kept)', batch: 5000, make: (p) => preparedUnnest(p, spec) },
  { label: 'COPY binary + temp', batch: 5000, make: (p) => copyInsert(p, spec, { fastPath: false }) },
  { label: 'COPY binary + temp', batch: 20_000, make: (p) => copyInsert(p, spec, { fastPath: false }) },
  { label: 'COPY binary fast path', batch: 1000, make: (p) => copyInsert(p, spec) },
  { label: 'COPY binary fast path', batch: 5000, make: (p) => copyInsert(p, spec) },
  { label: 'COPY binary fast path', batch: 20_000, make: (p) => copyInsert(p, spec) },
];
const LITE_VARIANTS: Variant[] = [
  { label: 'pglite baseline unnest', batch: 5000, make: (p) => baselineUnnest(p, spec) },
  { label: 'pglite unnest (kept)', batch: 5000, make: (p) => unnestInsert(p, spec) },
  { label: 'pglite unnest prepared (not kept)', batch: 5000, make: (p) => preparedUnnest(p, spec) },
];

function rows(n: number, streamId: string): DetectionRow[] {
  const base = Date.UTC(2026, 0, 1);
  return Array.from({ length: n }, (_, i) => {
    const ptsUs = Math.floor(i / 5) * 100_000;
    return { streamId, ptsUs, ts: base + ptsUs / 1000, detIdx: i % 5, classId: i % 80, className: 'person', confidence: 0.5 + (i % 50) / 100, bbox: [i % 640, i % 360, (i % 640) + 50, (i % 360) + 80], trackId: i % 37 };
  });
}

interface Sample { rate: number; rerun: number; cpuUsPerRow?: number; path?: string }

/** CPU seconds used so far by this process and, when it runs on this machine, the pool's one backend. */
function cpuReader(backendPid: number | null): () => number {
  const ticks = 100; // USER_HZ on Linux
  return () => {
    const u = process.cpuUsage();
    let own = (u.user + u.system) / 1e6;
    if (backendPid) {
      const f = fs.readFileSync(`/proc/${backendPid}/stat`, 'utf8').split(') ')[1].split(' ');
      own += (Number(f[11]) + Number(f[12])) / ticks; // utime, stime
    }
    return own;
  };
}

async function backendCpu(pool: Pool): Promise<() => number> {
  const pid = Number((await pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  return cpuReader(fs.existsSync(`/proc/${pid}/stat`) ? pid : null);
}

async function measureOnce(pool: Pool, v: Variant, data: DetectionRow[], checkpoint: boolean, cpu: () => number): Promise<Sample> {
  await pool.query('TRUNCATE detections');
  if (checkpoint) await pool.query('CHECKPOINT').catch(() => undefined); // needs superuser; else skipped
  const insert = v.make(pool);
  const c0 = cpu();
  const pass = async (): Promise<[number, number]> => {
    const t0 = process.hrtime.bigint();
    let inserted = 0;
    for (let i = 0; i < data.length; i += v.batch) inserted += await insert(data.slice(i, i + v.batch));
    return [inserted, Number(process.hrtime.bigint() - t0) / 1e9];
  };
  const [inserted, s] = await pass();
  const cpuUsPerRow = ((cpu() - c0) * 1e6) / data.length;
  if (inserted !== data.length) throw new Error(`${v.label}: inserted ${inserted} of ${data.length}`);
  const [again, s2] = await pass();
  if (again !== 0) throw new Error(`${v.label}: re-run inserted ${again}`);
  const c = (insert as CopyBulkInsert<DetectionRow>).counters;
  return { rate: data.length / s, rerun: data.length / s2, cpuUsPerRow, path: c ? `direct ${c.direct}, staged ${c.staged}, raced ${c.raced}` : undefined };
}

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);
const name = (v: Variant) => `${v.label} (batch ${v.batch})`;

/** Runs every variant ROUNDS times, interleaved, rotating the order each round. */
async function runAll(pool: Pool, variants: Variant[], data: DetectionRow[], checkpoint: boolean): Promise<Map<Variant, Sample[]>> {
  const cpu = await backendCpu(pool);
  const out = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + r) % variants.length];
      out.get(v)!.push(await measureOnce(pool, v, data, checkpoint, cpu));
    }
  }
  return out;
}

function report(results: Map<Variant, Sample[]>, baselines: Variant[]): Map<Variant, number> {
  const med = new Map([...results].map(([v, s]) => [v, median(s.map((x) => x.rate))]));
  const head = `${'variant'.padEnd(40)} ${'rows/s'.padStart(9)}  ${'range'.padStart(19)}  ${'re-run'.padStart(9)}  ${'cpu µs/row'.padStart(10)}  ` + baselines.map((b) => `÷ ${b.label} (wall / cpu)`).join('  ');
  console.log(head);
  for (const [v, s] of results) {
    const rates = s.map((x) => x.rate);
    const cpu = (x: Variant) => median(results.get(x)!.map((y) => y.cpuUsPerRow ?? NaN));
    // wall-clock ratio / CPU ratio (baseline CPU per row over this variant's)
    const ratios = baselines.map((b) => `${(med.get(v)! / med.get(b)!).toFixed(2)}x / ${(cpu(b) / cpu(v)).toFixed(2)}x`.padStart(b.label.length + 15)).join('  ');
    const range = `${fmt(Math.min(...rates)).trim()}–${fmt(Math.max(...rates)).trim()}`;
    console.log(`${name(v).padEnd(40)} ${fmt(med.get(v)!)}  ${range.padStart(19)}  ${fmt(median(s.map((x) => x.rerun)))}  ${median(s.map((x) => x.cpuUsPerRow ?? NaN)).toFixed(2).padStart(10)}  ${ratios}${s[0].path ? `   [last run: ${s[s.length - 1].path}]` : ''}`);
  }
  return med;
}

async function main(): Promise<void> {
  console.log(`${N.toLocaleString('en-US')} detection rows into an empty table per measurement; median of ${ROUNDS} interleaved rounds; re-run = the same rows again (0 inserted)`);
  const schema = `bench_store_${crypto.randomBytes(3).toString('hex')}`;
  const admin = new Pool({ connectionString: DB, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  // One connection: every variant runs on the same backend, whose CPU time is read from /proc.
  const pool = new Pool({ connectionString: DB, max: 1, options: `-c search_path=${schema}` });
  try {
    await migrate(pool, { timescale: false });
    if (process.argv.includes('--writer')) { await benchWriter(pool, quick); return; }
    const data = rows(N, 'bench');
    const med = report(await runAll(pool, VARIANTS, data, !quick), VARIANTS.slice(0, 2));
    const best = [...med].sort((a, b) => b[1] - a[1])[0];
    console.log(`best: ${name(best[0])} ${fmt(best[1]).trim()} rows/s`);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pglite-'));
    const emb = await startEmbeddedPostgres(dir);
    const lite = new Pool({ connectionString: emb.url, max: 1 });
    try {
      await migrate(lite, { timescale: false });
      console.log(`\nPGlite (embedded, unnest only): ${LITE_N.toLocaleString('en-US')} rows`);
      report(await runAll(lite, LITE_VARIANTS, data.slice(0, LITE_N), false), LITE_VARIANTS.slice(0, 1));
    } finally {
      await lite.end();
      await emb.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await benchWriter(pool, quick);
  } finally {
    await pool.end();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
