import type { Pool } from 'pg';
import type { TableName } from './rows';
import { TABLE_NAMES } from './tables';

/** Small read helpers for tests and the analyze summary. Same SQL on Postgres, TimescaleDB and PGlite. */

export type RowCounts = Record<TableName | 'streams', number>;

export async function countRows(pool: Pool, streamId?: string): Promise<RowCounts> {
  const tables = ['streams', ...TABLE_NAMES];
  const where = streamId === undefined ? '' : ' WHERE stream_id = $1';
  const sql = tables.map((t) => `SELECT '${t}' AS t, count(*)::bigint AS n FROM ${t}${where}`).join(' UNION ALL ');
  const res = await pool.query<{ t: string; n: string }>(sql, streamId === undefined ? [] : [streamId]);
  return Object.fromEntries(res.rows.map((r) => [r.t, Number(r.n)])) as RowCounts;
}

export interface StoredEvent {
  streamId: string;
  ts: Date;
  startUs: number;
  endUs: number;
  description: string;
  tags: string[];
  clipWorthyScore: number;
  model: string;
}

export async function topEvents(pool: Pool, opts: { streamId?: string; limit?: number } = {}): Promise<StoredEvent[]> {
  const res = await pool.query(
    `SELECT stream_id, ts, start_us, end_us, description, tags, clip_worthy_score, model FROM events
     WHERE ($1::text IS NULL OR stream_id = $1) ORDER BY clip_worthy_score DESC, ts LIMIT $2`,
    [opts.streamId ?? null, opts.limit ?? 5],
  );
  return res.rows.map((r) => ({
    streamId: r.stream_id, ts: r.ts, startUs: Number(r.start_us), endUs: Number(r.end_us),
    description: r.description, tags: r.tags, clipWorthyScore: r.clip_worthy_score, model: r.model,
  }));
}

export interface MemoryHit {
  streamId: string;
  ts: Date;
  startUs: number;
  endUs: number;
  kind: string;
  text: string;
  rank: number;
}

/** Full-text search (English stemming, web-search syntax: quotes, OR, -word) over memory_chunks. */
export async function searchMemory(pool: Pool, text: string, opts: { streamId?: string; limit?: number } = {}): Promise<MemoryHit[]> {
  const res = await pool.query(
    `SELECT stream_id, ts, start_us, end_us, kind, text, ts_rank(tsv, q) AS rank
     FROM memory_chunks, websearch_to_tsquery('english', $1) q
     WHERE tsv @@ q AND ($2::text IS NULL OR stream_id = $2)
     ORDER BY rank DESC, ts LIMIT $3`,
    [text, opts.streamId ?? null, opts.limit ?? 10],
  );
  return res.rows.map((r) => ({
    streamId: r.stream_id, ts: r.ts, startUs: Number(r.start_us), endUs: Number(r.end_us), kind: r.kind, text: r.text, rank: Number(r.rank),
  }));
}

export interface EndpointCallSummary {
  endpoint: string;
  calls: number;
  failed: number;
  gpuSeconds: number;
  costUsd: number;
  avgMs: number;
}

export async function endpointCallSummary(pool: Pool, streamId?: string): Promise<EndpointCallSummary[]> {
  const res = await pool.query(
    `SELECT endpoint, count(*)::bigint AS calls, count(*) FILTER (WHERE NOT ok)::bigint AS failed,
            coalesce(sum(gpu_seconds), 0)::float8 AS gpu, coalesce(sum(cost_usd), 0)::float8 AS cost, coalesce(avg(ms), 0)::float8 AS avg_ms
     FROM endpoint_calls WHERE ($1::text IS NULL OR stream_id = $1) GROUP BY endpoint ORDER BY endpoint`,
    [streamId ?? null],
  );
  return res.rows.map((r) => ({ endpoint: r.endpoint, calls: Number(r.calls), failed: Number(r.failed), gpuSeconds: r.gpu, costUsd: r.cost, avgMs: r.avg_ms }));
}

export interface SkipSummary { stage: string; reason: string; count: number }

export async function skipSummary(pool: Pool, streamId?: string): Promise<SkipSummary[]> {
  const res = await pool.query(
    `SELECT stage, reason, count(*)::bigint AS n FROM skips WHERE ($1::text IS NULL OR stream_id = $1)
     GROUP BY stage, reason ORDER BY n DESC`,
    [streamId ?? null],
  );
  return res.rows.map((r) => ({ stage: r.stage, reason: r.reason, count: Number(r.n) }));
}
