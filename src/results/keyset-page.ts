import type { Pool } from 'pg';
import { decodeCursor, encodeCursor, type CursorKey } from './cursor';
import type { Page } from './schemas';
import { SqlParams } from './sql-params';
import { timeRangeConditions, type TimeRange, type TimeSpan } from './time-range';

/** One sort column: pts_us first, then the table's per-time tie-breakers (its unique key without ts). */
export interface KeyColumn { column: string; sqlType: 'bigint' | 'integer' | 'text' }

/**
 * A list over one per-stream time-series table, ordered by media time. The emotions, speakers, highlights
 * and alerts lists of later issues are one of these plus a row mapper and their filters.
 */
export interface ListSpec<Item> {
  /** Cursor scope and table (a trusted identifier, never user input). */
  table: string;
  /** Select list (trusted); must include the key columns. */
  columns: string;
  keys: readonly KeyColumn[];
  span: TimeSpan;
  toItem(row: Record<string, unknown>): Item;
}

export interface ListRequest extends TimeRange {
  cursor?: string;
  limit: number;
  /** Extra conditions (the list's filters), built with the same SqlParams. */
  where?: (p: SqlParams) => string[];
}

/** Keyset pagination (a row-value comparison on the key, never OFFSET): each page costs the same, however deep. */
export async function keysetPage<Item>(pool: Pool, spec: ListSpec<Item>, streamId: string, req: ListRequest): Promise<Page<Item>> {
  const p = new SqlParams();
  const conds = [`stream_id = ${p.add(streamId)}`, ...timeRangeConditions(req, spec.span, p), ...(req.where?.(p) ?? [])];
  const keyList = spec.keys.map((k) => k.column).join(', ');
  if (req.cursor !== undefined) {
    const after = decodeCursor(spec.table, req.cursor, spec.keys.map((k) => (k.sqlType === 'text' ? 'string' : 'number')));
    conds.push(`(${keyList}) > (${spec.keys.map((k, i) => p.add(after[i], k.sqlType)).join(', ')})`);
  }
  // One row past the page says whether another page exists, so the last page has nextCursor null.
  const sql = `SELECT ${spec.columns} FROM ${spec.table} WHERE ${conds.join(' AND ')} ORDER BY ${keyList} LIMIT ${p.add(req.limit + 1, 'integer')}`;
  const res = await pool.query(sql, p.values);
  const rows = res.rows.slice(0, req.limit);
  const last = rows[rows.length - 1];
  const nextCursor = res.rows.length > req.limit && last
    ? encodeCursor(spec.table, spec.keys.map((k): CursorKey[number] => (k.sqlType === 'text' ? String(last[k.column]) : Number(last[k.column]))))
    : null;
  return { items: rows.map((r) => spec.toItem(r)), nextCursor };
}

/** Media µs → seconds; ts (a Date from pg) → ISO. */
export const seconds = (us: unknown): number => Number(us) / 1e6;
export const iso = (ts: unknown): string => (ts instanceof Date ? ts : new Date(String(ts))).toISOString();
