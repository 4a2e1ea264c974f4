import type { Pool } from 'pg';
import { iso } from './keyset-page';
import type { StreamItem } from './schemas';

/** Whether the streams table has this stream (the API's 404, export's E_UNKNOWN_STREAM). */
export async function streamExists(pool: Pool, streamId: string): Promise<boolean> {
  const res = await pool.query('SELECT 1 FROM streams WHERE stream_id = $1', [streamId]);
  return res.rows.length > 0;
}

/** Every stream in the database, by id. `source` was scrubbed of URL userinfo when it was stored. */
export async function listStreams(pool: Pool): Promise<StreamItem[]> {
  const res = await pool.query('SELECT stream_id, source, started_at, metadata FROM streams ORDER BY stream_id');
  return res.rows.map((r) => ({ streamId: r.stream_id, source: r.source, startedAt: iso(r.started_at), metadata: r.metadata ?? {} }));
}
