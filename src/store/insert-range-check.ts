import type { TableName } from './rows';
import type { TableSpec } from './tables';

/**
 * Proof that a batch cannot conflict: no stored row has the same stream_id with a pts_us inside the
 * batch's [min, max] pts_us for that stream. Every unique key in sql/001_core.sql contains stream_id and
 * pts_us, so such a batch cannot hit one (a concurrent writer still can; the unique index then fails the
 * COPY and the caller falls back to ON CONFLICT). Only tables whose unique index *starts* with
 * (stream_id, pts_us) are listed: there the check is one index range probe per stream.
 */
export const RANGE_KEYED: ReadonlySet<TableName> = new Set<TableName>(['frames', 'detections', 'emotions', 'audio_segments', 'speaker_turns', 'events', 'highlights']);

export interface KeyRanges {
  streams: string[];
  lo: number[];
  hi: number[];
}

/** Per-stream [min, max] pts_us of a batch. */
export function keyRanges<T>(spec: TableSpec<T>, rows: readonly T[]): KeyRanges {
  const sid = spec.columns.find((c) => c.name === 'stream_id')!.get;
  const pts = spec.columns.find((c) => c.name === 'pts_us')!.get;
  const byStream = new Map<string, [number, number]>();
  for (const r of rows) {
    const s = sid(r) as string;
    const p = pts(r) as number;
    const range = byStream.get(s);
    if (!range) byStream.set(s, [p, p]);
    else if (p < range[0]) range[0] = p;
    else if (p > range[1]) range[1] = p;
  }
  const out: KeyRanges = { streams: [], lo: [], hi: [] };
  for (const [s, [lo, hi]] of byStream) { out.streams.push(s); out.lo.push(lo); out.hi.push(hi); }
  return out;
}

/** Returns a row when some stored row falls inside one of the ranges ($1 streams, $2 lo, $3 hi). */
export function rangeTakenSql(table: string): string {
  return `SELECT 1 FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(s, lo, hi) `
    + `WHERE EXISTS (SELECT 1 FROM "${table}" t WHERE t.stream_id = r.s AND t.pts_us BETWEEN r.lo AND r.hi) LIMIT 1`;
}
