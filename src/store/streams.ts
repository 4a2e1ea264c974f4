import type { Pool } from 'pg';
import { VideoAgentError } from '../errors';
import { scrubDeep, scrubUserinfo } from '../obs/redact';
import { isoMicros } from './time';

export interface StreamInfo {
  streamId: string;
  source: string;
  /** Wall clock of pts 0, epoch ms: used only when the stream is new. */
  startedAt: number;
  metadata?: Record<string, unknown>;
}

export interface StreamRecord {
  streamId: string;
  source: string;
  /** The stored time base (the first run's), epoch ms: reuse it so re-runs produce the same ts keys. */
  startedAt: number;
  created: boolean;
}

/**
 * Registers a stream, or returns the existing one with its original time base. `source` and every string in
 * `metadata` lose URL userinfo here, whatever the caller passed: the row is served by the API and dashboards.
 */
export async function upsertStream(pool: Pool, info: StreamInfo): Promise<StreamRecord> {
  if (!info.streamId) throw new VideoAgentError('E_BAD_ROW', 'streams: streamId is required');
  if (!Number.isFinite(info.startedAt)) throw new VideoAgentError('E_BAD_ROW', 'streams: startedAt must be epoch ms');
  const res = await pool.query(
    `INSERT INTO streams (stream_id, source, started_at, metadata) VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (stream_id) DO UPDATE SET source = EXCLUDED.source, metadata = streams.metadata || EXCLUDED.metadata, updated_at = now()
     RETURNING stream_id, source, started_at, (xmax = 0) AS created`,
    [info.streamId, scrubUserinfo(info.source), isoMicros(info.startedAt), JSON.stringify(scrubDeep(info.metadata ?? {}))],
  );
  const r = res.rows[0];
  return { streamId: r.stream_id, source: r.source, startedAt: (r.started_at as Date).getTime(), created: r.created };
}
