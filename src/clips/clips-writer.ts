/** The one writer of `clips` (sql/005_moments.sql), and its read side: a re-export of the same range replaces its row. */
import type { Pool } from 'pg';

export interface ClipRow {
  clipId: string;
  streamId: string;
  /** Wall time of startUs, epoch ms. */
  ts: number;
  /** The requested range, media µs (pts_us = start_us). */
  startUs: number;
  endUs: number;
  highlightPtsUs: number | null;
  objectKey: string;
  url: string;
  posterKey: string | null;
  sizeBytes: number;
  durationS: number;
  mode: 'remux' | 'reencode';
  source: 'file' | 'recording';
  exportMs: number;
}

export interface StoredClip extends ClipRow {
  createdAt: string;
}

export async function writeClip(pool: Pool, c: ClipRow): Promise<void> {
  await pool.query(
    `INSERT INTO clips (clip_id, stream_id, ts, pts_us, start_us, end_us, highlight_pts_us, object_key, url, poster_key, size_bytes, duration_s, mode, source, export_ms)
     VALUES ($1, $2, to_timestamp($3 / 1000.0), $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (clip_id) DO UPDATE SET ts = EXCLUDED.ts, pts_us = EXCLUDED.pts_us, start_us = EXCLUDED.start_us, end_us = EXCLUDED.end_us,
       highlight_pts_us = EXCLUDED.highlight_pts_us, object_key = EXCLUDED.object_key, url = EXCLUDED.url, poster_key = EXCLUDED.poster_key,
       size_bytes = EXCLUDED.size_bytes, duration_s = EXCLUDED.duration_s, mode = EXCLUDED.mode, source = EXCLUDED.source,
       export_ms = EXCLUDED.export_ms, created_at = now()`,
    [c.clipId, c.streamId, c.ts, c.startUs, c.endUs, c.highlightPtsUs, c.objectKey, c.url, c.posterKey, c.sizeBytes, c.durationS, c.mode, c.source, c.exportMs]);
}

/** A stream's clips by start time (then id). */
export async function listClips(pool: Pool, streamId: string): Promise<StoredClip[]> {
  const res = await pool.query(
    `SELECT clip_id, stream_id, ts, start_us, end_us, highlight_pts_us, object_key, url, poster_key, size_bytes, duration_s, mode, source, export_ms, created_at
     FROM clips WHERE stream_id = $1 ORDER BY start_us, clip_id`, [streamId]);
  return res.rows.map((r) => ({
    clipId: r.clip_id, streamId: r.stream_id, ts: (r.ts as Date).getTime(), startUs: Number(r.start_us), endUs: Number(r.end_us),
    highlightPtsUs: r.highlight_pts_us === null ? null : Number(r.highlight_pts_us), objectKey: r.object_key, url: r.url, posterKey: r.poster_key,
    sizeBytes: Number(r.size_bytes), durationS: Number(r.duration_s), mode: r.mode, source: r.source, exportMs: Number(r.export_ms),
    createdAt: (r.created_at as Date).toISOString(),
  }));
}
