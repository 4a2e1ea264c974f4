/**
 * The writers as they were before binary COPY and the fast path (src/store/insert.ts at commit 22e0ce6),
 * frozen here so every run of this benchmark measures its baseline on the same machine at the same time.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { TableSpec } from '../../src/store/tables';
import { copyField, toPgText, unnestType, unnestValue } from '../../src/store/encode';
import type { BulkInsert } from '../../src/store/insert';

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

export function baselineUnnest<T>(pool: Pool, spec: TableSpec<T>): BulkInsert<T> {
  const cols = spec.columns.map((c) => q(c.name)).join(', ');
  const params = spec.columns.map((c, i) => `$${i + 1}::${unnestType(c.type)}[]`).join(', ');
  const select = spec.columns.map((c) => (unnestType(c.type) !== c.type ? `u.${q(c.name)}::${c.type}` : `u.${q(c.name)}`)).join(', ');
  const sql = `INSERT INTO ${q(spec.table)} (${cols}) SELECT ${select} FROM unnest(${params}) AS u(${cols}) ON CONFLICT DO NOTHING`;
  return async (rows) => {
    if (rows.length === 0) return 0;
    const res = await pool.query(sql, spec.columns.map((c) => rows.map((r) => unnestValue(c.type, c.get(r)))));
    return res.rowCount ?? 0;
  };
}

const staged = new WeakMap<PoolClient, Set<string>>();

function* copyLines<T>(spec: TableSpec<T>, rows: T[]): Generator<string> {
  let buf = '';
  for (const r of rows) {
    buf += spec.columns.map((c) => copyField(toPgText(c.type, c.get(r)))).join('\t') + '\n';
    if (buf.length > 64 * 1024) { yield buf; buf = ''; }
  }
  if (buf) yield buf;
}

export function baselineCopyTemp<T>(pool: Pool, spec: TableSpec<T>): BulkInsert<T> {
  const stage = q(`_base_stage_${spec.table}`);
  const cols = spec.columns.map((c) => q(c.name)).join(', ');
  const createStage = `CREATE TEMP TABLE IF NOT EXISTS ${stage} (${spec.columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')}) ON COMMIT DELETE ROWS`;
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
      await pipeline(Readable.from(copyLines(spec, rows)), client.query(copyFrom(`COPY ${stage} (${cols}) FROM STDIN`)));
      const res = await client.query(insertSql);
      await client.query('COMMIT');
      return res.rowCount ?? 0;
    } catch (err) {
      staged.get(client)?.delete(spec.table);
      try { await client.query('ROLLBACK'); } catch { broken = true; }
      throw err;
    } finally {
      client.release(broken ? true : undefined);
    }
  };
}

/** Tried and not kept: the same unnest as a named (prepared) statement; it measured no faster. */
export function preparedUnnest<T>(pool: Pool, spec: TableSpec<T>): BulkInsert<T> {
  const cols = spec.columns.map((c) => q(c.name)).join(', ');
  const params = spec.columns.map((c, i) => `$${i + 1}::${unnestType(c.type)}[]`).join(', ');
  const select = spec.columns.map((c) => (unnestType(c.type) !== c.type ? `u.${q(c.name)}::${c.type}` : `u.${q(c.name)}`)).join(', ');
  const text = `INSERT INTO ${q(spec.table)} (${cols}) SELECT ${select} FROM unnest(${params}) AS u(${cols}) ON CONFLICT DO NOTHING`;
  const name = `bench_unnest_${spec.table}`;
  return async (rows) => {
    if (rows.length === 0) return 0;
    const res = await pool.query({ name, text, values: spec.columns.map((c) => rows.map((r) => unnestValue(c.type, c.get(r)))) });
    return res.rowCount ?? 0;
  };
}
