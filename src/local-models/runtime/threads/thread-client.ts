import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { VideoAgentError } from '../../../errors';
import type { FromThread, SerializedError, ToThread } from './protocol';

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  cleanup(): void;
}

/**
 * Starts a worker thread. Under tsx (tests, `tsx src/...`) the entry is a .ts file that plain Node cannot load
 * in a new thread, so the thread first registers tsx's CommonJS hook; compiled builds load the .js directly.
 */
function spawn(entry: string, data: unknown): Worker {
  if (entry.endsWith('.ts')) {
    const code = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`;
    return new Worker(code, { eval: true, workerData: data });
  }
  return new Worker(entry, { workerData: data });
}

/** Resolves `<dir>/<basename>` with the extension this module itself was loaded with (.ts or .js). */
export function siblingModule(dir: string, basename: string): string {
  return path.join(dir, basename + path.extname(__filename));
}

function toError(e: SerializedError): VideoAgentError {
  return new VideoAgentError(e.code, e.message);
}

/**
 * Main-thread side of an inference thread: request/response by id, cancellation through AbortSignal, and a
 * crashed thread fails only its in-flight jobs; the next call starts a fresh thread (and reloads the model).
 */
export class ThreadClient<Req, Res> {
  private worker: Worker | undefined;
  private starting: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly entry: string, private readonly initOptions: unknown, private readonly label: string) {}

  start(): Promise<void> {
    if (this.closed) return Promise.reject(new VideoAgentError('E_WORKER_CLOSED', `${this.label} worker is closed`));
    this.starting ??= new Promise<void>((resolve, reject) => {
      const worker = spawn(this.entry, this.initOptions);
      this.worker = worker;
      let ready = false;
      worker.on('message', (msg: FromThread) => {
        if (msg.kind === 'ready') { ready = true; resolve(); return; }
        if (msg.kind === 'init-error') {
          // Forget this thread so a later call retries the load (e.g. after the missing package is installed).
          if (this.worker === worker) { this.worker = undefined; this.starting = undefined; }
          void worker.terminate();
          reject(new VideoAgentError(msg.error.code === 'E_WORKER_INTERNAL' ? 'E_MODEL_LOAD' : msg.error.code,
            `${this.label}: model failed to load: ${msg.error.message}`));
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return; // cancelled: its promise already rejected
        this.pending.delete(msg.id);
        p.cleanup();
        if (msg.ok) p.resolve(msg.result); else p.reject(toError(msg.error));
      });
      const fail = (err: VideoAgentError) => {
        if (this.worker === worker) { this.worker = undefined; this.starting = undefined; }
        if (!ready) reject(err);
        for (const [id, p] of this.pending) { this.pending.delete(id); p.cleanup(); p.reject(err); }
      };
      worker.on('error', (err) => fail(new VideoAgentError('E_WORKER_CRASHED', `${this.label} thread crashed: ${err.message}`)));
      worker.on('exit', (code) => fail(new VideoAgentError('E_WORKER_CRASHED', `${this.label} thread exited (code ${code})`)));
    });
    return this.starting;
  }

  async call(request: Req, signal?: AbortSignal): Promise<Res> {
    if (signal?.aborted) throw new VideoAgentError('E_JOB_CANCELLED', 'job cancelled');
    await this.start();
    const worker = this.worker;
    if (!worker) throw new VideoAgentError('E_WORKER_CRASHED', `${this.label} thread is not running`);
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        worker.postMessage({ kind: 'cancel', id } satisfies ToThread);
        reject(new VideoAgentError('E_JOB_CANCELLED', 'job cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      worker.postMessage({ kind: 'run', id, payload: request } satisfies ToThread);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.starting = undefined;
    if (worker) await worker.terminate();
  }
}
