import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { TableSpec } from './tables';
import { copyField, toPgText, unnestType, unnestValue } from './encode';

/**
 * The two idempotent bulk-insert strategies. Both end in `INSERT … ON CONFLICT DO NOTHING` against the
 * table's unique key, so a replayed batch inserts nothing twice.
 * - copy: COPY into a session temp table, then INSERT … SELECT. Fastest on real Postgres.
 * - unnest: one INSERT … SELECT FROM unnest($1::t[], …): one parameter per column whatever the batch size.
 *   Used on PGlite, whose socket server loses protocol sync on COPY FROM STDIN.
 */
export type InsertStrategy = 'copy' | 'unnest';

/** Returns the number of rows actually inserted (conflicts excluded). */
export type BulkInsert<T> = (rows: T[]) => Promise<number>;

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

function selectList<T>(spec: TableSpec<T>, alias: string): string {
  return spec.columns
    .map((c) => (unnestType(c.type) !== c.type ? `${alias}.${q(c.name)}::${c.type}` : `${alias}.${q(c.name)}`))
    .join(', ');
}

export function unnestSql<T>(spec: TableSpec<T>): string {
  const cols = spec.columns.map((c) => q(c.name)).join(', ');
  const params = spec.columns.map((c, i) => `$${i + 1}::${unnestType(c.type)}[]`).join(', ');
  return `INSERT INTO ${q(spec.table)} (${cols}) SELECT ${selectList(spec, 'u')} FROM unnest(${params}) AS u(${cols}) ON CONFLICT DO NOTHING`;
}

export function unnestInsert<T>(pool: Pool, spec: TableSpec<T>): BulkInsert<T> {
  const sql = unnestSql(spec);
  return async (rows) => {
    if (rows.length === 0) return 0;
    const params = spec.columns.map((c) => rows.map((r) => unnestValue(c.type, c.get(r))));
    const res = await pool.query(sql, params);
    return res.rowCount ?? 0;
  };
}

/** Temp tables are per session; remember which pooled connections already have theirs. */
const staged = new WeakMap<PoolClient, Set<string>>();

function* copyLines<T>(spec: TableSpec<T>, rows: T[]): Generator<string> {
  // Chunk lines so a 100k-row batch is not one giant string nor 100k tiny writes.
  let buf = '';
  for (const r of rows) {
    buf += spec.columns.map((c) => copyField(toPgText(c.type, c.get(r)))).join('\t') + '\n';
    if (buf.length > 64 * 1024) { yield buf; buf = ''; }
  }
  if (buf) yield buf;
}

export function copyInsert<T>(pool: Pool, spec: TableSpec<T>): BulkInsert<T> {
  const stage = q(`_stage_${spec.table}`);
  const cols = spec.columns.map((c) => q(c.name)).join(', ');
  const createStage = `CREATE TEMP TABLE IF NOT EXISTS ${stage} (${spec.columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')}) ON COMMIT DELETE ROWS`;
  const copySql = `COPY ${stage} (${cols}) FROM STDIN`;
  const insertSql = `INSERT INTO ${q(spec.table)} (${cols}) SELECT ${cols} FROM ${stage} ON CONFLICT DO NOTHING`;
  return async (rows) => {
    if (rows.length === 0) return 0;
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      let have = staged.get(client);
      if (!have) staged.set(client, (have = new Set()));
      if (!have.has(spec.table)) { await client.query(createStage); have.add(spec.table); }
      await pipeline(Readable.from(copyLines(spec, rows)), client.query(copyFrom(copySql)));
      const res = await client.query(insertSql);
      await client.query('COMMIT');
      return res.rowCount ?? 0;
    } catch (err) {
      // A rolled-back transaction also drops a temp table created in it.
      staged.get(client)?.delete(spec.table);
      // A failed COPY can leave the connection mid-protocol: roll back if possible, else discard it.
      try { await client.query('ROLLBACK'); } catch { broken = true; }
      throw err;
    } finally {
      client.release(broken ? true : undefined);
    }
  };
}

export function bulkInsert<T>(strategy: InsertStrategy, pool: Pool, spec: TableSpec<T>): BulkInsert<T> {
  return strategy === 'copy' ? copyInsert(pool, spec) : unnestInsert(pool, spec);
}
