import assert from 'node:assert/strict';
import path from 'node:path';
import { ThreadClient } from '../../src/local-models/runtime/threads/thread-client';
import type { HangRequest, HangResponse } from './helpers/hang-thread';

const ENTRY = path.join(__dirname, 'helpers', 'hang-thread.ts');
const timedOut = (e: unknown) => (e as { code?: string; kind?: string }).code === 'E_MODEL_TIMEOUT' && (e as { kind?: string }).kind === 'deadline';

describe('local-models/runtime: a hung thread is terminated at the job deadline', function () {
  this.timeout(30_000);
  let client: ThreadClient<HangRequest, HangResponse>;
  beforeEach(() => { client = new ThreadClient(ENTRY, undefined, 'test', { jobTimeoutMs: 400 }); });
  afterEach(() => client.close());

  it('a job that never answers fails with E_MODEL_TIMEOUT; the next call runs on a fresh thread', async () => {
    const first = await client.call({ op: 'echo', value: 1 });
    assert.equal(first.value, 1);
    await assert.rejects(client.call({ op: 'hang' }), timedOut);
    const next = await client.call({ op: 'echo', value: 2 });
    assert.equal(next.value, 2);
    assert.notEqual(next.threadId, first.threadId, 'a fresh thread');
  });

  it('a thread spinning in a loop is stopped too; jobs queued behind it fail (retryable), later calls work', async () => {
    const spin = client.call({ op: 'spin' });
    const queued = client.call({ op: 'echo', value: 3 }, undefined, { timeoutMs: 10_000 });
    await assert.rejects(spin, timedOut);
    await assert.rejects(queued, (e: unknown) => (e as { code?: string }).code === 'E_WORKER_RESTARTED' && (e as { retryable?: boolean }).retryable === true);
    assert.equal((await client.call({ op: 'echo', value: 4 })).value, 4);
  });

  it('a per-call timeout overrides the default', async () => {
    const long = new ThreadClient<HangRequest, HangResponse>(ENTRY, undefined, 'test', { jobTimeoutMs: 60_000 });
    try {
      await assert.rejects(long.call({ op: 'hang' }, undefined, { timeoutMs: 200 }), timedOut);
    } finally {
      await long.close();
    }
  });
});
