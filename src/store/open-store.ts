import path from 'node:path';
import { Pool } from 'pg';
import { VideoAgentError } from '../errors';
import { childLogger } from '../obs/logger';
import { BatchWriter, type BatchWriterStats } from './batch-writer';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded';
import { bulkInsert, type InsertStrategy } from './insert';
import { migrate, type MigrateOptions, type MigrateResult } from './migrate';
import { isConnectionError } from './pg-errors';
import * as queries from './queries';
import type { AudioSegmentRow, DetectionRow, EmotionRow, EndpointCallRow, EventRow, FrameRow, HighlightRow, MemoryChunkRow, RowsByTable, SkipRow, SpeakerTurnRow, TableName } from './rows';
import { Spool } from './spool';
import { pgAlertStore, type AlertStore } from '../rules/alert-store';
import { upsertStream, type StreamInfo, type StreamRecord } from './streams';
import { TABLES, TABLE_NAMES } from './tables';
import { secretEnv } from '../config/secret-env';

const log = childLogger({ module: 'store' });

export interface StoreOptions {
  /** Default: DATABASE_URL (or the file in DATABASE_URL_FILE); when neither is set, the embedded PGlite. */
  databaseUrl?: string;
  /** Root for ./data/pglite and ./data/spool. Default ./data. */
  dataDir?: string;
  /** search_path for every pooled connection (tests use a schema each); created if missing. */
  schema?: string;
  /** 'auto': COPY on Postgres, unnest on PGlite. */
  insertStrategy?: InsertStrategy | 'auto';
  /** Run migrations at open (default true); the writers wait for them. */
  migrate?: boolean;
  migrateOptions?: MigrateOptions;
  writer?: { maxBatch?: number; lingerMs?: number; maxAgeMs?: number; maxQueued?: number; replayIntervalMs?: number; readyWaitMs?: number };
  /** Postgres pool size (PGlite is always 1). */
  poolMax?: number;
}

export type StoreWriters = { [K in TableName]: BatchWriter<RowsByTable[K]> };

export interface Store {
  kind: 'postgres' | 'pglite';
  /** True once migrations ran with TimescaleDB (false until migrateDone resolves). */
  readonly timescale: boolean;
  insertStrategy: InsertStrategy;
  pool: Pool;
  writers: StoreWriters;
  /** Resolves after migrations; while the database is unreachable it keeps retrying (writes spool meanwhile). */
  migrateDone: Promise<MigrateResult>;
  upsertStream(info: StreamInfo): Promise<StreamRecord>;
  writeFrames(rows: FrameRow[]): Promise<void>;
  writeDetections(rows: DetectionRow[]): Promise<void>;
  writeEmotions(rows: EmotionRow[]): Promise<void>;
  writeAudioSegments(rows: AudioSegmentRow[]): Promise<void>;
  writeSpeakerTurns(rows: SpeakerTurnRow[]): Promise<void>;
  writeEvents(rows: EventRow[]): Promise<void>;
  writeHighlights(rows: HighlightRow[]): Promise<void>;
  writeMemoryChunks(rows: MemoryChunkRow[]): Promise<void>;
  recordSkip(row: SkipRow | SkipRow[]): Promise<void>;
  recordEndpointCall(row: EndpointCallRow | EndpointCallRow[]): Promise<void>;
  /** Alerts (written one by one, idempotent on alert_id), their delivery attempts and the API-added rules. */
  alerts: AlertStore;
  /** Everything accepted so far is in the database (or, while it is unreachable, in the spool). */
  flush(): Promise<void>;
  stats(): Record<TableName, BatchWriterStats>;
  countRows(streamId?: string): Promise<queries.RowCounts>;
  topEvents(opts?: { streamId?: string; limit?: number }): Promise<queries.StoredEvent[]>;
  searchMemory(text: string, opts?: { streamId?: string; limit?: number }): Promise<queries.MemoryHit[]>;
  endpointCallSummary(streamId?: string): Promise<queries.EndpointCallSummary[]>;
  skipSummary(streamId?: string): Promise<queries.SkipSummary[]>;
  /** Flushes the writers, then closes the pool (and the embedded server). */
  close(): Promise<void>;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const dataDir = path.resolve(opts.dataDir ?? 'data');
  const databaseUrl = opts.databaseUrl ?? secretEnv('DATABASE_URL');
  if (opts.schema !== undefined && !SCHEMA_RE.test(opts.schema)) throw new VideoAgentError('E_BAD_CONFIG', `invalid schema name "${opts.schema}"`);

  const kind: Store['kind'] = databaseUrl ? 'postgres' : 'pglite';
  const insertStrategy: InsertStrategy = !opts.insertStrategy || opts.insertStrategy === 'auto' ? (kind === 'pglite' ? 'unnest' : 'copy') : opts.insertStrategy;
  if (kind === 'pglite' && insertStrategy === 'copy') {
    throw new VideoAgentError('E_BAD_CONFIG', 'COPY does not work over the embedded database (pglite-socket); use the unnest strategy');
  }
  let embedded: EmbeddedPostgres | undefined;
  if (!databaseUrl) embedded = await startEmbeddedPostgres(dataDir);

  const pool = new Pool({
    connectionString: databaseUrl ?? embedded!.url,
    max: kind === 'pglite' ? 1 : (opts.poolMax ?? 8),
    connectionTimeoutMillis: 5000,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle database connection lost'));

  let closed = false;
  let timescale = false;
  const migrateDone = (async (): Promise<MigrateResult> => {
    if (opts.migrate === false) return { applied: [], timescale: false };
    for (let attempt = 0; ; attempt++) {
      try {
        if (opts.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
        const r = await migrate(pool, opts.migrateOptions);
        timescale = r.timescale;
        return r;
      } catch (err) {
        if (closed || !isConnectionError(err)) throw err;
        if (attempt === 0) log.warn({ err: (err as Error).message }, 'database unreachable; writes are spooled until it is back');
        await sleep(Math.min(5000, 250 * 2 ** Math.min(attempt, 5)));
      }
    }
  })();
  migrateDone.catch((err) => { if (!closed) log.error({ err: (err as Error).message }, 'migrations failed'); });

  const spool = new Spool(path.join(dataDir, 'spool', opts.schema ?? 'public'));
  const ready = migrateDone.then(() => undefined);
  const mkWriter = <K extends TableName>(name: K): BatchWriter<RowsByTable[K]> => {
    const spec = TABLES[name] as unknown as (typeof TABLES)[K];
    const insert = bulkInsert(insertStrategy, pool, spec as never) as (rows: RowsByTable[K][]) => Promise<number>;
    return new BatchWriter<RowsByTable[K]>({
      name,
      sink: insert,
      validate: (r) => (spec.validate as (row: RowsByTable[K]) => void)(r),
      ready,
      spool,
      isRetryable: isConnectionError,
      // Binary COPY pays per batch, not per row (bench/storage: 2.1x less CPU per row at 20k rows than at 1k);
      // batches are still cut by age, so a quiet stream's rows are not held back.
      ...(kind === 'postgres' ? { maxBatch: 10_000, maxQueued: 40_000 } : {}),
      // The embedded database is in this process and never unreachable, only slow to migrate (WASM, a
      // busy machine): a batch waits for the migrations rather than taking a detour through the spool.
      ...(kind === 'pglite' ? { readyWaitMs: 30_000 } : {}),
      ...opts.writer,
    });
  };
  const writers = Object.fromEntries(TABLE_NAMES.map((t) => [t, mkWriter(t)])) as unknown as StoreWriters;

  const whenMigrated = async <R>(fn: () => Promise<R>): Promise<R> => { await migrateDone; return fn(); };

  return {
    kind,
    get timescale() { return timescale; },
    insertStrategy,
    pool,
    writers,
    migrateDone,
    upsertStream: (info) => whenMigrated(() => upsertStream(pool, info)),
    writeFrames: (rows) => writers.frames.write(rows),
    writeDetections: (rows) => writers.detections.write(rows),
    writeEmotions: (rows) => writers.emotions.write(rows),
    writeAudioSegments: (rows) => writers.audio_segments.write(rows),
    writeSpeakerTurns: (rows) => writers.speaker_turns.write(rows),
    writeEvents: (rows) => writers.events.write(rows),
    writeHighlights: (rows) => writers.highlights.write(rows),
    writeMemoryChunks: (rows) => writers.memory_chunks.write(rows),
    recordSkip: (row) => writers.skips.write(row),
    recordEndpointCall: (row) => writers.endpoint_calls.write(row),
    alerts: pgAlertStore(pool, migrateDone),
    async flush() { await Promise.all(TABLE_NAMES.map((t) => writers[t].flush())); },
    stats: () => Object.fromEntries(TABLE_NAMES.map((t) => [t, writers[t].stats])) as Record<TableName, BatchWriterStats>,
    countRows: (streamId) => whenMigrated(() => queries.countRows(pool, streamId)),
    topEvents: (o) => whenMigrated(() => queries.topEvents(pool, o)),
    searchMemory: (text, o) => whenMigrated(() => queries.searchMemory(pool, text, o)),
    endpointCallSummary: (s) => whenMigrated(() => queries.endpointCallSummary(pool, s)),
    skipSummary: (s) => whenMigrated(() => queries.skipSummary(pool, s)),
    async close() {
      if (closed) return;
      try {
        const results = await Promise.allSettled(TABLE_NAMES.map((t) => writers[t].close()));
        const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
        if (failed) log.error({ err: (failed.reason as Error).message }, 'a writer failed while closing');
      } finally {
        closed = true;
        await pool.end().catch(() => undefined);
        await embedded?.stop();
      }
    },
  };
}
