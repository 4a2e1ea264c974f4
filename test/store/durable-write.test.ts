import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spool } from '../../src/store/spool';
import type { DetectionRow } from '../../src/store/rows';
import { requirePostgres } from '../helpers/services';
import { freePort } from '../helpers/private-postgres';
import { adminPool, dropSchema, uniqueSchema } from './helpers';

const CHILD = path.join(__dirname, 'children', 'write-then-wait.ts');

/** Runs the child and SIGKILLs it as soon as it prints "resolved"; returns what it printed. */
function writeThenKill(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('resolved')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && out.includes('resolved')) resolve(out.trim());
      else reject(new Error(`child exited (${code ?? signal}) before resolving: ${err}`));
    });
  });
}

describe('store: a write that resolved survives SIGKILL right after', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-write-'));
  const schema = uniqueSchema('t_durable');
  after(async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('database up: the rows are committed', async function () {
    this.timeout(30_000);
    const url = await requirePostgres();
    const out = await writeThenKill([url, schema, dataDir, 'durable-db', '37']);
    assert.equal(out, 'resolved db', 'the child wrote with the database up');
    const pool = await adminPool();
    try {
      const r = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.detections WHERE stream_id = 'durable-db'`);
      assert.equal(r.rows[0].n, 37);
    } finally {
      await pool.end();
    }
  });

  it('database down: the rows are in the spool file, and replay yields all of them', async function () {
    this.timeout(30_000);
    const port = await freePort(); // nothing listens there
    const out = await writeThenKill([`postgres://postgres@127.0.0.1:${port}/test`, schema, dataDir, 'durable-down', '23']);
    assert.equal(out, 'resolved down');
    const replayed: DetectionRow[] = [];
    const n = await new Spool(path.join(dataDir, 'spool', schema)).replay<DetectionRow>('detections', async (rows) => { replayed.push(...rows); });
    assert.equal(n, 23);
    assert.deepEqual(replayed.map((r) => r.ptsUs), Array.from({ length: 23 }, (_, i) => i * 100_000));
  });
});
