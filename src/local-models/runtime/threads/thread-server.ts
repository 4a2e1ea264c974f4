import { parentPort, workerData } from 'node:worker_threads';
import { VideoAgentError } from '../../../errors';
import type { FromThread, SerializedError, ThreadHandlers, ToThread } from './protocol';

function serialize(err: unknown): SerializedError {
  if (err instanceof VideoAgentError) return { code: err.code, message: err.message };
  return { code: 'E_WORKER_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/**
 * Runs inside a worker thread: initialises the model once from `workerData`, then answers `run` messages one
 * at a time (the model is single-threaded; queueing here keeps memory bounded and order predictable).
 */
export function serveThread<Init, Req, Res>(handlers: ThreadHandlers<Init, Req, Res>): void {
  const port = parentPort;
  if (!port) throw new Error('serveThread must run inside a worker thread');
  const post = (msg: FromThread) => port.postMessage(msg);
  const cancelled = new Set<number>();
  let chain: Promise<void> = Promise.resolve();

  const ready = handlers.init(workerData as Init).then(
    () => post({ kind: 'ready' }),
    (err: unknown) => { post({ kind: 'init-error', error: serialize(err) }); throw err; },
  );

  port.on('message', (msg: ToThread) => {
    if (msg.kind === 'cancel') { cancelled.add(msg.id); return; }
    chain = chain.then(async () => {
      await ready;
      if (cancelled.delete(msg.id)) return;
      try {
        const result = await handlers.run(msg.payload as Req, () => cancelled.has(msg.id));
        post({ kind: 'result', id: msg.id, ok: true, result });
      } catch (err) {
        post({ kind: 'result', id: msg.id, ok: false, error: serialize(err) });
      } finally {
        cancelled.delete(msg.id);
      }
    }).catch(() => undefined);
  });
}

/** Throws the standard cancellation error when a job was aborted mid-batch. */
export function throwIfCancelled(isCancelled: () => boolean): void {
  if (isCancelled()) throw new VideoAgentError('E_JOB_CANCELLED', 'job cancelled');
}
