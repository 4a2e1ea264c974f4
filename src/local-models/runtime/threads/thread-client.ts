import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { VideoAgentError } from '../../../errors';
import type { FromThread, SerializedError, ToThread } from './protocol';

interface Pending {
  /** The thread the job was posted to: a thread's exit fails its own jobs only. */
  worker: Worker;
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

export interface ThreadClientOptions {
  /**
   * A job not answered this long after it was posted (time queued behind other jobs included) fails with
   * E_MODEL_TIMEOUT and the thread is terminated: a model stuck in a loop or a lost promise would otherwise hold
   * the thread, and every job queued behind it, forever. Default 5 minutes.
   */
  jobTimeoutMs?: number;
}

export const DEFAULT_JOB_TIMEOUT_MS = 300_000;

/**
 * Main-thread side of an inference thread: request/response by id, cancellation through AbortSignal, a deadline
 * per job, and a crashed or hung thread fails only its in-flight jobs; the next call starts a fresh thread (and
 * reloads the model).
 */
export class ThreadClient<Req, Res> {
  private worker: Worker | undefined;
  private starting: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Why a thread was terminated on purpose, for the error of the jobs that were queued on it. */
  private readonly terminated = new WeakMap<Worker, string>();
  private nextId = 1;
  private closed = false;
  private readonly jobTimeoutMs: number;

  constructor(private readonly entry: string, private readonly initOptions: unknown, private readonly label: string, opts: ThreadClientOptions = {}) {
    this.jobTimeoutMs = opts.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  }

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
        for (const [id, p] of this.pending) {
          if (p.worker !== worker) continue;
          this.pending.delete(id); p.cleanup(); p.reject(err);
        }
      };
      const why = () => this.terminated.get(worker);
      worker.on('error', (err) => fail(new VideoAgentError('E_WORKER_CRASHED', `${this.label} thread crashed: ${err.message}`, { kind: 'remote_failure' })));
      worker.on('exit', (code) => fail(why()
        ? new VideoAgentError('E_WORKER_RESTARTED', `${this.label} thread was restarted: ${why()}`, { kind: 'remote_failure', retryable: true })
        : new VideoAgentError('E_WORKER_CRASHED', `${this.label} thread exited (code ${code})`, { kind: 'remote_failure' })));
    });
    return this.starting;
  }

  async call(request: Req, signal?: AbortSignal, opts: { timeoutMs?: number } = {}): Promise<Res> {
    if (signal?.aborted) throw new VideoAgentError('E_JOB_CANCELLED', 'job cancelled');
    await this.start();
    const worker = this.worker;
    if (!worker) throw new VideoAgentError('E_WORKER_CRASHED', `${this.label} thread is not running`);
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.jobTimeoutMs;
    return new Promise<Res>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        worker.postMessage({ kind: 'cancel', id } satisfies ToThread);
        reject(new VideoAgentError('E_JOB_CANCELLED', 'job cancelled'));
      };
      const onDeadline = () => {
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        p.cleanup();
        reject(new VideoAgentError('E_MODEL_TIMEOUT', `${this.label}: no answer within ${timeoutMs} ms; its thread was terminated and the next job starts a fresh one`, { kind: 'deadline' }));
        this.terminate(worker, `job ${id} passed its ${timeoutMs} ms deadline`);
      };
      const timer = setTimeout(onDeadline, timeoutMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        worker,
        resolve: resolve as (v: unknown) => void,
        reject,
        cleanup: () => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); },
      });
      worker.postMessage({ kind: 'run', id, payload: request } satisfies ToThread);
    });
  }

  /** Stops a hung thread; its other jobs fail on its exit (E_WORKER_RESTARTED) and the next call starts afresh. */
  private terminate(worker: Worker, reason: string): void {
    this.terminated.set(worker, reason);
    if (this.worker === worker) { this.worker = undefined; this.starting = undefined; }
    void worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.starting = undefined;
    if (worker) await worker.terminate();
  }
}
