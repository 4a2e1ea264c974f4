import { finished } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { TableSpec } from './tables';
import { unnestType, unnestValue } from './encode';
import { binaryCopyChunks } from './copy-binary';
import { RANGE_KEYED, keyRanges, rangeTakenSql } from './insert-range-check';

/**
 * The two idempotent bulk-insert strategies. Whatever path a batch takes, a replayed batch inserts nothing
 * twice: either the rows go through `INSERT … ON CONFLICT DO NOTHING` against the table's unique key, or
 * they are COPYed straight into the table, where the unique index itself refuses a duplicate.
 * - copy: binary COPY. When one indexed query proves the batch's (stream_id, pts_us) ranges hold no stored
 *   row, straight into the table (the fast path; a unique violation from a racing writer rolls it back and
 *   the batch takes the slow path); otherwise into a per-connection temp table, then INSERT … SELECT … ON
 *   CONFLICT DO NOTHING. Postgres only.
 * - unnest: one INSERT … SELECT FROM unnest($1::t[], …): one parameter per column whatever the batch size.
 *   Used on PGlite, whose socket server loses protocol sync on COPY FROM STDIN.
 * bench/storage/index.ts measures both against the previous text-COPY and unnest writers. Statements are
 * unnamed: named (prepared) ones measured no faster there and break behind a transaction-mode pooler.
 */
export type InsertStrategy = 'copy' | 'unnest';

/** Returns the number of rows actually inserted (conflicts excluded). */
export type BulkInsert<T> = (rows: T[]) => Promise<number>;

export interface CopyInsertOptions {
  /** COPY straight into the table when the key range is proven new (default true). */
  fastPath?: boolean;
}

/** How the last batches went, for tests and the benchmark. */
export interface CopyInsertCounters {
  direct: number;
  staged: number;
  /** Batches whose range looked new but hit a racing writer's rows: rolled back and staged. */
  raced: number;
}

export type CopyBulkInsert<T> = BulkInsert<T> & { counters: CopyInsertCounters };

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

export function unnestSql<T>(spec: TableSpec<T>): string {
  const cols = spec.columns.map((c) => q(c.name)).join(', ');
  const params = spec.columns.map((c, i) => `$${i + 1}::${unnestType(c.type)}[]`).join(', ');
  const select = spec.columns
    .map((c) => (unnestType(c.type) !== c.type ? `u.${q(c.name)}::${c.type}` : `u.${q(c.name)}`))
    .join(', ');
  return `INSERT INTO ${q(spec.table)} (${cols}) SELECT ${select} FROM unnest(${params}) AS u(${cols}) ON CONFLICT DO NOTHING`;
}

export function unnestInsert<T>(pool: Pool, spec: TableSpec<T>): BulkInsert<T> {
  const sql = unnestSql(spec);
  return async (rows) => {
    if (rows.length === 0) return 0;
    const res = await pool.query(sql, spec.columns.map((c) => rows.map((r) => unnestValue(c.type, c.get(r)))));
    return res.rowCount ?? 0;
  };
}

/** Temp tables are per session; remember which pooled connections already have theirs. */
const staged = new WeakMap<PoolClient, Set<string>>();

const UNIQUE_VIOLATION = '23505';
const DEADLOCK = '40P01';

/**
 * Encoded lazily, chunk by chunk, the first time it is sent (so encoding overlaps the server's work on the
 * chunks already sent), then kept for a second send when the fast path falls back to the staging table.
 */
class Payload {
  private readonly done: Buffer[] = [];
  private source: Iterator<Buffer> | null;
  constructor(source: Iterable<Buffer>) { this.source = source[Symbol.iterator](); }
  *chunks(): Generator<Buffer> {
    yield* this.done;
    while (this.source) {
      const next = this.source.next();
      if (next.done) { this.source = null; return; }
      this.done.push(next.value);
      yield next.value;
    }
  }
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Sends one COPY … FROM STDIN payload; resolves with the server's row count. */
async function copyPayload(client: PoolClient, sql: string, payload: Payload): Promise<number> {
  const stream = client.query(copyFrom(sql));
  const done = finished(stream);
  done.catch(() => undefined); // awaited below; an early server error must not go unhandled meanwhile
  for (const chunk of payload.chunks()) {
    if (stream.destroyed || stream.errored) break;
    stream.write(chunk);
    // Let the socket and the server's replies (CopyInResponse, an early error) through between chunks.
    await yieldToLoop();
  }
  stream.end();
  await done;
  return stream.rowCount;
}

export function copyInsert<T>(pool: Pool, spec: TableSpec<T>, opts: CopyInsertOptions = {}): CopyBulkInsert<T> {
  const table = q(spec.table);
  const stage = q(`_stage_${spec.table}`);
  const cols = spec.columns.map((c) => q(c.name)).join(', ');
  // Created outside any transaction so a rolled-back batch keeps it; ON COMMIT DELETE ROWS empties it
  // at every commit, and a temp table writes no WAL.
  const createStage = `CREATE TEMP TABLE IF NOT EXISTS ${stage} (${spec.columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')}) ON COMMIT DELETE ROWS`;
  const copyStage = `COPY ${stage} (${cols}) FROM STDIN (FORMAT binary)`;
  const copyDirect = `COPY ${table} (${cols}) FROM STDIN (FORMAT binary)`;
  const insertSql = `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${stage} ON CONFLICT DO NOTHING`;
  const fastPath = (opts.fastPath ?? true) && RANGE_KEYED.has(spec.table);
  const rangeSql = rangeTakenSql(spec.table);
  const counters: CopyInsertCounters = { direct: 0, staged: 0, raced: 0 };

  const viaStage = async (client: PoolClient, payload: Payload): Promise<number> => {
    let have = staged.get(client);
    if (!have) staged.set(client, (have = new Set()));
    if (!have.has(spec.table)) { await client.query(createStage); have.add(spec.table); }
    await client.query('BEGIN');
    await copyPayload(client, copyStage, payload);
    const res = await client.query(insertSql);
    await client.query('COMMIT');
    counters.staged++;
    return res.rowCount ?? 0;
  };

  /**
   * Returns the row count, or null when the range is not provably new. Two round trips and no transaction
   * block: a lone COPY is atomic by itself, and the check reads committed rows either way.
   */
  const direct = async (client: PoolClient, rows: T[], payload: Payload): Promise<number | null> => {
    const r = keyRanges(spec, rows);
    const taken = await client.query(rangeSql, [r.streams, r.lo, r.hi]);
    if (taken.rowCount) return null;
    try {
      const n = await copyPayload(client, copyDirect, payload);
      counters.direct++;
      return n;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== UNIQUE_VIOLATION && code !== DEADLOCK) throw err;
      // A writer racing on the same keys committed first (or deadlocked with us): the COPY kept nothing;
      // take the ON CONFLICT path.
      counters.raced++;
      return null;
    }
  };

  const insert = async (rows: T[]): Promise<number> => {
    if (rows.length === 0) return 0;
    const payload = new Payload(binaryCopyChunks(spec, rows));
    const client = await pool.connect();
    let broken = false;
    try {
      if (fastPath) {
        const n = await direct(client, rows, payload);
        if (n !== null) return n;
      }
      return await viaStage(client, payload);
    } catch (err) {
      // A failed COPY can leave the connection mid-protocol: roll back if possible, else discard it.
      try { await client.query('ROLLBACK'); } catch { broken = true; }
      throw err;
    } finally {
      client.release(broken ? true : undefined);
    }
  };
  return Object.assign(insert, { counters });
}

/**
 * Below this many rows the copy strategy sends one unnest INSERT instead: a durable write awaits its commit
 * (src/store/batch-writer.ts), and for a few rows COPY's extra round trips (range check, CopyInResponse) cost
 * more than the per-row encoding it saves (bench/storage/writer.ts: sequential 5-row writes).
 */
export const SMALL_BATCH_ROWS = 200;

export function bulkInsert<T>(strategy: InsertStrategy, pool: Pool, spec: TableSpec<T>): BulkInsert<T> {
  const unnest = unnestInsert(pool, spec);
  if (strategy === 'unnest') return unnest;
  const copy = copyInsert(pool, spec);
  return (rows) => (rows.length < SMALL_BATCH_ROWS ? unnest(rows) : copy(rows));
}
