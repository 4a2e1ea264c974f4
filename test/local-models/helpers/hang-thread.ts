/** Test-only inference thread: answers `echo`, never answers `hang` (a lost promise), spins forever on `spin`. */
import { threadId } from 'node:worker_threads';
import { serveThread } from '../../../src/local-models/runtime/threads/thread-server';

export type HangRequest = { op: 'echo'; value: number } | { op: 'hang' } | { op: 'spin' };
export interface HangResponse { value: number; threadId: number }

serveThread<undefined, HangRequest, HangResponse>({
  init: async () => undefined,
  run: async (req) => {
    if (req.op === 'hang') await new Promise<never>(() => undefined);
    if (req.op === 'spin') for (;;) { /* a model stuck in a loop: only terminate() stops it */ }
    return { value: (req as { value: number }).value, threadId };
  },
});
