import { VideoAgentError } from '../errors';

/** Time-series tables: every one of them has a `ts timestamptz` column in all its unique indexes. */
export const HYPERTABLES = ['frames', 'detections', 'emotions', 'audio_segments', 'events', 'highlights', 'memory_chunks', 'skips', 'endpoint_calls', 'speaker_turns'] as const;
/** Kept uncompressed: full-text search needs its GIN index, which compressed chunks do not keep. */
const UNCOMPRESSED = new Set<string>(['memory_chunks']);

export interface TimescalePolicy {
  chunkIntervalHours: number;
  /** Compress chunks older than this; 0 disables compression. */
  compressAfterDays: number;
  /** Drop chunks older than this; 0 keeps data forever. */
  retentionDays: number;
}

function envNumber(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new VideoAgentError('E_BAD_CONFIG', `${name} must be a non-negative number, got "${raw}"`);
  return n;
}

/** VIDEO_AGENT_CHUNK_INTERVAL_HOURS (24), VIDEO_AGENT_COMPRESS_AFTER_DAYS (7), VIDEO_AGENT_RETENTION_DAYS (30). */
export function policyFromEnv(env: NodeJS.ProcessEnv = process.env): TimescalePolicy {
  const p = {
    chunkIntervalHours: envNumber(env, 'VIDEO_AGENT_CHUNK_INTERVAL_HOURS', 24),
    compressAfterDays: envNumber(env, 'VIDEO_AGENT_COMPRESS_AFTER_DAYS', 7),
    retentionDays: envNumber(env, 'VIDEO_AGENT_RETENTION_DAYS', 30),
  };
  if (p.chunkIntervalHours === 0) throw new VideoAgentError('E_BAD_CONFIG', 'VIDEO_AGENT_CHUNK_INTERVAL_HOURS must be > 0');
  return p;
}

/**
 * Statements converting the plain tables into hypertables with compression and retention. Idempotent:
 * create_hypertable(if_not_exists, migrate_data), policies removed then re-added so changed intervals
 * take effect on the next `migrate`.
 */
export function timescaleStatements(policy: TimescalePolicy): string[] {
  const out = ['CREATE EXTENSION IF NOT EXISTS timescaledb'];
  for (const t of HYPERTABLES) {
    const rel = `'${t}'::regclass`;
    out.push(`SELECT create_hypertable(${rel}, 'ts'::name, chunk_time_interval => INTERVAL '${policy.chunkIntervalHours} hours', if_not_exists => true, migrate_data => true)`);
    if (policy.compressAfterDays > 0 && !UNCOMPRESSED.has(t)) {
      out.push(`ALTER TABLE ${t} SET (timescaledb.compress, timescaledb.compress_segmentby = 'stream_id', timescaledb.compress_orderby = 'ts DESC')`);
      out.push(`SELECT remove_compression_policy(${rel}, if_exists => true)`);
      out.push(`SELECT add_compression_policy(${rel}, INTERVAL '${policy.compressAfterDays} days', if_not_exists => true)`);
    }
    out.push(`SELECT remove_retention_policy(${rel}, if_exists => true)`);
    if (policy.retentionDays > 0) {
      out.push(`SELECT add_retention_policy(${rel}, INTERVAL '${policy.retentionDays} days', if_not_exists => true)`);
    }
  }
  return out;
}
