import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { PrivatePostgres } from '../helpers/private-postgres';

const SETUP = path.resolve(__dirname, '..', '..', 'scripts', 'setup.sh');

/** Connects the way the tests do (test/helpers/services.ts): postgres@127.0.0.1, no password. */
async function connects(port: number, database: string): Promise<true | string> {
  const c = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/${database}`, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function setupPostgres(pg: PrivatePostgres): { status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PGHOST: pg.socketDir, PGPORT: String(pg.port) };
  const r = spawnSync('bash', [SETUP, '--postgres-only'], { env, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('scripts/setup.sh --postgres-only on a stock-auth cluster (peer on the socket, scram-sha-256 on TCP)', function () {
  this.timeout(30_000);
  let pg: PrivatePostgres;
  before(async () => { pg = await PrivatePostgres.create({ authLocal: 'peer', authHost: 'scram-sha-256', password: 'not-the-tests-business' }); });
  after(async () => { await pg?.destroy(); });

  it('creates database test and lets the tests in over 127.0.0.1 only for it; a second run changes nothing', async () => {
    assert.match(String(await connects(pg.port, 'test')), /password/, 'precondition: stock auth refuses the tests');

    const first = setupPostgres(pg);
    assert.equal(first.status, 0, first.out);
    assert.match(first.out, /created database test/);
    assert.match(first.out, /added to .*pg_hba\.conf: 'host test postgres 127\.0\.0\.1\/32 trust'/);
    assert.match(first.out, /reloaded/);
    assert.equal(await connects(pg.port, 'test'), true);
    assert.match(String(await connects(pg.port, 'postgres')), /password/, 'other databases keep their auth');

    const second = setupPostgres(pg);
    assert.equal(second.status, 0, second.out);
    assert.match(second.out, /nothing changed/);
    assert.doesNotMatch(second.out, /created|added|reloaded/);
    const hba = fs.readFileSync(path.join(pg.dataDir, 'pg_hba.conf'), 'utf8');
    assert.equal(hba.split('\n').filter((l) => l.startsWith('# video-agent tests')).length, 1, 'the line is added once');
    assert.equal(await connects(pg.port, 'test'), true);
  });
});
