import assert from 'node:assert/strict';
import { buildProgram } from '../src/cli/main';

describe('cli', () => {
  it('registers every top-level command', () => {
    const names = buildProgram().commands.map((c) => c.name()).sort();
    for (const n of ['analyze', 'emulate', 'endpoints', 'eval', 'export', 'ingest', 'migrate', 'serve', 'streams', 'worker']) assert.ok(names.includes(n), n);
  });
});
