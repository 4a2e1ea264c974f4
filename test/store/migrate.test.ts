import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { VideoAgentError } from '../../src/errors';
import { migrate, readMigrations, defaultMigrationsDir } from '../../src/store/migrate';
import { HYPERTABLES, policyFromEnv } from '../../src/store/timescale';
import { requirePostgres } from '../helpers/services';
import { dropSchema, uniqueSchema } from './helpers';

async function schemaPool(schema: string, max = 2): Promise<Pool> {
  const url = await requirePostgres();
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await admin.end();
  return new Pool({ connectionString: url, max, options: `-c search_path=${schema}` });
}

describe('store/migrate', () => {
  const schemas: string[] = [];
  const pools: Pool[] = [];
  const open = async (max = 2) => {
    const s = uniqueSchema('t_mig');
    schemas.push(s);
    const p = await schemaPool(s, max);
    pools.push(p);
    return { schema: s, pool: p };
  };
  after(async () => {
    for (const p of pools) await p.end().catch(() => undefined);
    for (const s of schemas) await dropSchema(s);
  });

  it('applies every file once, records it, and is a no-op the second time', async () => {
    const { pool } = await open();
    const files = readMigrations(defaultMigrationsDir());
    assert.ok(files.length >= 1 && files[0].version === '001');
    const first = await migrate(pool, { timescale: 'auto' });
    assert.deepEqual(first.applied, files.map((f) => `${f.version}_${f.name}`));
    assert.equal(first.timescale, false, 'timescaledb is not installed on this machine');
    const second = await migrate(pool);
    assert.deepEqual(second.applied, []);
    const rows = (await pool.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    assert.deepEqual(rows, files.map((f) => f.version));
  });

  it('two processes migrating at once: the advisory lock serialises them, each file is applied once', async () => {
    const { schema } = await open();
    const a = await schemaPool(schema);
    const b = await schemaPool(schema);
    pools.push(a, b);
    const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
    assert.equal(ra.applied.length + rb.applied.length, readMigrations(defaultMigrationsDir()).length);
  });

  it('every time-series table has stream_id, ts, pts_us bigint and unique keys that include ts', async () => {
    const { pool, schema } = await open();
    await migrate(pool);
    for (const t of HYPERTABLES) {
      const cols = await pool.query(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`, [schema, t]);
      const types = Object.fromEntries(cols.rows.map((r) => [r.column_name, r.data_type]));
      assert.equal(types.stream_id, 'text', `${t}.stream_id`);
      assert.equal(types.ts, 'timestamp with time zone', `${t}.ts`);
      assert.equal(types.pts_us, 'bigint', `${t}.pts_us`);
      const uniques = await pool.query(
        `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique`, [`${schema}.${t}`]);
      assert.ok(uniques.rows.length >= 1, `${t} has a unique key`);
      for (const u of uniques.rows) assert.match(u.def, /\bts\b/, `${t}: ${u.def}`);
    }
  });

  it('with TimescaleDB: hypertables, compression and retention (against stub functions that record calls)', async () => {
    const { pool } = await open(1);
    // Stubs with TimescaleDB's names and parameter names, resolved through the schema's search_path.
    await pool.query(`
      CREATE TABLE ts_calls (fn text, rel text, arg text);
      CREATE FUNCTION create_hypertable(relation regclass, time_column_name name, chunk_time_interval interval DEFAULT NULL,
        if_not_exists boolean DEFAULT false, migrate_data boolean DEFAULT false) RETURNS void LANGUAGE sql AS
        $$ INSERT INTO ts_calls VALUES ('create_hypertable', relation::text, time_column_name || ' ' || chunk_time_interval::text || ' ' || if_not_exists::text || ' ' || migrate_data::text) $$;
      CREATE FUNCTION add_compression_policy(hypertable regclass, compress_after interval, if_not_exists boolean DEFAULT false) RETURNS void LANGUAGE sql AS
        $$ INSERT INTO ts_calls VALUES ('add_compression_policy', hypertable::text, compress_after::text) $$;
      CREATE FUNCTION remove_compression_policy(hypertable regclass, if_exists boolean DEFAULT false) RETURNS void LANGUAGE sql AS
        $$ INSERT INTO ts_calls VALUES ('remove_compression_policy', hypertable::text, if_exists::text) $$;
      CREATE FUNCTION add_retention_policy(relation regclass, drop_after interval, if_not_exists boolean DEFAULT false) RETURNS void LANGUAGE sql AS
        $$ INSERT INTO ts_calls VALUES ('add_retention_policy', relation::text, drop_after::text) $$;
      CREATE FUNCTION remove_retention_policy(relation regclass, if_exists boolean DEFAULT false) RETURNS void LANGUAGE sql AS
        $$ INSERT INTO ts_calls VALUES ('remove_retention_policy', relation::text, if_exists::text) $$;`);
    const skipped: string[] = [];
    const policy = policyFromEnv({ VIDEO_AGENT_RETENTION_DAYS: '14', VIDEO_AGENT_COMPRESS_AFTER_DAYS: '3' });
    const r = await migrate(pool, {
      timescale: true,
      policy,
      // Plain Postgres cannot parse these two without the extension: record them instead.
      onTimescaleStatement: (sql) => (/^(CREATE EXTENSION|ALTER TABLE)/.test(sql) ? (skipped.push(sql), 'skip') : 'run'),
    });
    assert.equal(r.timescale, true);
    const calls = (await pool.query('SELECT fn, rel, arg FROM ts_calls')).rows as { fn: string; rel: string; arg: string }[];
    const by = (fn: string) => calls.filter((c) => c.fn === fn);
    assert.deepEqual(by('create_hypertable').map((c) => c.rel).sort(), [...HYPERTABLES].sort());
    for (const c of by('create_hypertable')) assert.equal(c.arg, 'ts 24:00:00 true true');
    assert.deepEqual(by('add_retention_policy').map((c) => c.arg), HYPERTABLES.map(() => '14 days'));
    const compressed = by('add_compression_policy');
    assert.equal(compressed.length, HYPERTABLES.length - 1, 'memory_chunks stays uncompressed (GIN search)');
    assert.ok(compressed.every((c) => c.arg === '3 days' && c.rel !== 'memory_chunks'));
    assert.equal(skipped[0], 'CREATE EXTENSION IF NOT EXISTS timescaledb');
    const alters = skipped.filter((s) => s.startsWith('ALTER TABLE'));
    assert.equal(alters.length, compressed.length);
    assert.match(alters[0], /timescaledb\.compress, timescaledb\.compress_segmentby = 'stream_id'/);

    // Retention 0 = keep forever: the old policy is removed and none added.
    await pool.query('TRUNCATE ts_calls');
    await migrate(pool, { timescale: true, policy: { ...policy, retentionDays: 0 }, onTimescaleStatement: (s) => (/^(CREATE EXTENSION|ALTER TABLE)/.test(s) ? 'skip' : 'run') });
    const again = (await pool.query('SELECT fn FROM ts_calls')).rows.map((x) => x.fn);
    assert.equal(again.filter((f) => f === 'add_retention_policy').length, 0);
    assert.equal(again.filter((f) => f === 'remove_retention_policy').length, HYPERTABLES.length);
  });

  it('rejects a bad retention setting with a clear error', () => {
    assert.throws(() => policyFromEnv({ VIDEO_AGENT_RETENTION_DAYS: 'a month' }), (e: unknown) => e instanceof VideoAgentError && /VIDEO_AGENT_RETENTION_DAYS/.test(e.message));
  });
});
