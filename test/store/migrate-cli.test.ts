import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from '../../src/cli/main';
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
      assert.match(first, /database: pglite\nmigrations applied: 001_core, 002_skip_details/);
      const second = await run(['--data-dir', dir]);
      assert.match(second, /migrations applied: none \(up to date\)/);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreachable --database-url is one clear error, not a retry loop', async () => {
    await assert.rejects(run(['--database-url', 'postgres://postgres@127.0.0.1:1/test']),
      (e: unknown) => e instanceof VideoAgentError && e.code === 'E_DB_UNREACHABLE' && /cannot reach the database/.test(e.message));
  });
});
