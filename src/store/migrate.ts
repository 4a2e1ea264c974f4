import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { VideoAgentError } from '../errors';
import { childLogger } from '../obs/logger';
import { policyFromEnv, timescaleStatements, type TimescalePolicy } from './timescale';

const log = childLogger({ module: 'store/migrate' });

/** sql/ at the package root (src/store → ../../sql; also right for dist/src/store via the fallback). */
export function defaultMigrationsDir(): string {
  const candidates = [path.resolve(__dirname, '../../sql'), path.resolve(__dirname, '../../../sql')];
  return candidates.find((d) => fs.existsSync(d)) ?? candidates[0];
}

export interface MigrateOptions {
  dir?: string;
  /** 'auto': when pg_available_extensions lists timescaledb. Default from VIDEO_AGENT_TIMESCALE (auto|on|off), else auto. */
  timescale?: 'auto' | boolean;
  policy?: TimescalePolicy;
  /**
   * Lets a test run the Timescale step on plain Postgres against stub functions: statements Postgres
   * cannot parse without the extension (CREATE EXTENSION, ALTER … SET (timescaledb.…)) can be recorded
   * and skipped.
   */
  onTimescaleStatement?: (sql: string) => 'run' | 'skip';
}

export interface MigrateResult {
  applied: string[];
  timescale: boolean;
}

interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

const FILE_RE = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

export function readMigrations(dir: string): MigrationFile[] {
  if (!fs.existsSync(dir)) throw new VideoAgentError('E_NO_MIGRATIONS', `migrations folder not found: ${dir}`);
  return fs.readdirSync(dir)
    .filter((f) => FILE_RE.test(f))
    .sort()
    .map((f) => {
      const [, version, name] = FILE_RE.exec(f)!;
      const sql = fs.readFileSync(path.join(dir, f), 'utf8');
      return { version, name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

function timescaleModeFromEnv(): 'auto' | boolean {
  const v = (process.env.VIDEO_AGENT_TIMESCALE ?? 'auto').toLowerCase();
  if (v === 'auto' || v === '') return 'auto';
  if (['on', 'true', '1'].includes(v)) return true;
  if (['off', 'false', '0'].includes(v)) return false;
  throw new VideoAgentError('E_BAD_CONFIG', `VIDEO_AGENT_TIMESCALE must be auto, on or off, got "${process.env.VIDEO_AGENT_TIMESCALE}"`);
}

async function timescaleAvailable(client: PoolClient): Promise<boolean> {
  const r = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
  return (r.rowCount ?? 0) > 0;
}

async function inTransaction(client: PoolClient, fn: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await fn();
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Applies pending sql/NNN_name.sql files in order, each in its own transaction and recorded in
 * schema_migrations, under a session advisory lock keyed by the current schema so concurrent starters
 * wait rather than race. Then the TimescaleDB step when the extension is available.
 */
export async function migrate(pool: Pool, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const files = readMigrations(opts.dir ?? defaultMigrationsDir());
  const client = await pool.connect();
  const lockSql = `hashtext('video-agent:migrate:' || coalesce(current_schema(), ''))`;
  const applied: string[] = [];
  try {
    await client.query(`SELECT pg_advisory_lock(${lockSql})`);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Map<string, string>(
        (await client.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations')).rows.map((r) => [r.version, r.checksum]),
      );
      for (const m of files) {
        const prior = done.get(m.version);
        if (prior !== undefined) {
          if (prior !== m.checksum) log.warn({ version: m.version }, 'an applied migration file has changed since; add a new migration instead');
          continue;
        }
        try {
          await inTransaction(client, async () => {
            await client.query(m.sql);
            await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
          });
        } catch (err) {
          throw new VideoAgentError('E_MIGRATION', `migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(`${m.version}_${m.name}`);
        log.info({ version: m.version, name: m.name }, 'migration applied');
      }

      const mode = opts.timescale ?? timescaleModeFromEnv();
      const useTimescale = mode === 'auto' ? await timescaleAvailable(client) : mode;
      if (useTimescale) {
        const statements = timescaleStatements(opts.policy ?? policyFromEnv());
        try {
          await inTransaction(client, async () => {
            for (const sql of statements) {
              if ((opts.onTimescaleStatement?.(sql) ?? 'run') === 'run') await client.query(sql);
            }
          });
        } catch (err) {
          throw new VideoAgentError('E_MIGRATION', `TimescaleDB step failed: ${(err as Error).message} (the server needs shared_preload_libraries = 'timescaledb'; VIDEO_AGENT_TIMESCALE=off keeps plain tables)`, { cause: err });
        }
      }
      return { applied, timescale: useTimescale };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${lockSql})`).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
