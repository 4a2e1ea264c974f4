import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from '../../src/cli/main';
import { databaseUrlFrom } from '../../src/cli/migrate';
import { VideoAgentError } from '../../src/errors';

async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'video-agent', 'migrate', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out.join('');
}

describe('video-agent migrate', () => {
  it('creates the embedded database schema, then reports it up to date', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-cli-'));
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const first = await run(['--data-dir', dir]);
      assert.match(first, /database: pglite\nmigrations applied: 001_core, 002_skip_details, 003_speaker_turns, 004_alerts, 005_moments/);
      const second = await run(['--data-dir', dir]);
      assert.match(second, /migrations applied: none \(up to date\)/);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreachable DATABASE_URL is one clear error, not a retry loop', async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:1/test';
    try {
      await assert.rejects(run([]),
        (e: unknown) => e instanceof VideoAgentError && e.code === 'E_DB_UNREACHABLE' && /cannot reach the database/.test(e.message));
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
      else delete process.env.DATABASE_URL;
    }
  });
});

describe('video-agent migrate: the database URL stays off the command line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-url-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the URL from --database-url-file; the password appears in no error', async () => {
    const file = path.join(dir, 'url');
    fs.writeFileSync(file, 'postgres://postgres:hunter2-secret@127.0.0.1:1/test\n', { mode: 0o600 });
    await assert.rejects(run(['--database-url-file', file]), (e: unknown) => {
      assert.ok(e instanceof VideoAgentError && e.code === 'E_DB_UNREACHABLE', String(e));
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
  });

  it('a missing or empty URL file is a clear error that names the file, not its content', async () => {
    await assert.rejects(run(['--database-url-file', path.join(dir, 'nope')]), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_ARGS' && /cannot read --database-url-file .*nope: ENOENT/.test(e.message));
    fs.writeFileSync(path.join(dir, 'empty'), '  \n');
    await assert.rejects(run(['--database-url-file', path.join(dir, 'empty')]), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_ARGS' && /is empty/.test(e.message));
  });

  it('--database-url still works but warns that ps shows it, without echoing the URL', () => {
    const lines: string[] = [];
    const url = databaseUrlFrom({ databaseUrl: 'postgres://u:hunter2@h/db', dataDir: 'data' }, {}, (l) => lines.push(l));
    assert.equal(url, 'postgres://u:hunter2@h/db');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /process list.*DATABASE_URL or --database-url-file/);
    assert.doesNotMatch(lines[0], /hunter2/);
    // The file and the environment take no warning; the file wins over nothing, the environment is the default.
    assert.equal(databaseUrlFrom({ dataDir: 'data' }, { DATABASE_URL: 'postgres://env/db' }, (l) => lines.push(l)), 'postgres://env/db');
    assert.equal(lines.length, 1);
    assert.throws(() => databaseUrlFrom({ databaseUrl: 'x', databaseUrlFile: 'y', dataDir: 'data' }, {}), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_ARGS');
  });
});
