import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalModel } from '../../local-models/types';
import { validateInput } from '../contracts';
import type { EndpointConfig, FaultsConfig } from './config';
import { FaultInjector } from './faults';
import { FINAL_STATUSES, type Job, type JobStatus, type JobView, type StreamView, viewOf } from './jobs';
import type { BackingModel } from './backing-model';

/** One emulated worker slot: boots (cold start), runs one job at a time, goes away after its idle timeout. */
interface Slot {
  id: string;
  state: 'starting' | 'idle' | 'running';
  idleTimer?: NodeJS.Timeout;
}

export interface EndpointCounters {
  completed: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  retried: number;
  coldStarts: number;
}

export interface EndpointStats {
  /** Requests per op as received (before auth/limits/faults), for tests counting retries. */
  requests: Record<string, number>;
  /** Most jobs queued or running at once (what a client bulkhead bounds). */
  maxActiveJobs: number;
  maxRunningJobs: number;
  counters: EndpointCounters;
}

export interface RetentionConfig {
  runMs: number;
  runsyncMs: number;
}

/**
 * The queue + worker pool of one endpoint id: job lifecycle (IN_QUEUE → IN_PROGRESS → final), delayTime and
 * executionTime, executionTimeout, TTL and retention, cancel/retry/purge, and the job-level faults.
 */
export class EmulatedEndpoint {
  readonly faults: FaultInjector;
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  /** Final jobs in the order they finished: the oldest is evicted past maxRetainedJobs. */
  private readonly finished = new Set<Job>();
  private readonly slots = new Map<string, Slot>();
  private slotSeq = 0;
  private initOnce?: Promise<void>;
  private active = 0;
  private running = 0;
  private closed = false;
  readonly stats: EndpointStats = {
    requests: {},
    maxActiveJobs: 0,
    maxRunningJobs: 0,
    counters: { completed: 0, failed: 0, timedOut: 0, cancelled: 0, retried: 0, coldStarts: 0 },
  };

  constructor(
    readonly id: string,
    readonly config: EndpointConfig,
    private readonly backing: BackingModel,
    private readonly retention: RetentionConfig,
  ) {
    this.faults = new FaultInjector(config.faults);
  }

  /** Whether the timing stub or a local CPU model answers this endpoint's jobs. */
  get backendKind(): BackingModel['kind'] {
    return this.backing.kind;
  }

  /** The model that answers this endpoint's jobs (tests wrap its `handle`). */
  get backingModel(): LocalModel {
    return this.backing.model;
  }

  /**
   * Loads the backing model now instead of at the first job (the embedded default loads its local models
   * while the database starts). Slots still pay the configured extra boot time.
   */
  preload(): Promise<void> {
    this.initOnce ??= this.backing.model.init();
    const p = this.initOnce;
    p.catch(() => { if (this.initOnce === p) this.initOnce = undefined; });
    return p;
  }

  setFaults(faults: FaultsConfig): void {
    this.faults.reset(faults);
  }

  countRequest(op: string): void {
    this.stats.requests[op] = (this.stats.requests[op] ?? 0) + 1;
  }

  /** IN_QUEUE jobs at the configured bound: the server answers 429 instead of accepting another. */
  queueFull(): boolean {
    return this.queue.length >= this.config.maxQueue;
  }

  submit(input: unknown, mode: 'run' | 'runsync', policy: { executionTimeoutMs?: number; ttlMs?: number }, defaultTtlMs: number): Job {
    const now = Date.now();
    const uuid = randomUUID();
    const ttlMs = policy.ttlMs ?? defaultTtlMs;
    const job: Job = {
      id: mode === 'runsync' ? `sync-${uuid}-u1` : `${uuid}-u1`,
      input,
      mode,
      status: 'IN_QUEUE',
      policy: { executionTimeoutMs: policy.executionTimeoutMs ?? this.config.executionTimeoutMs, ttlMs },
      createdAt: now,
      ttlDeadline: now + ttlMs,
      hasOutput: false,
      stream: [],
      streamRead: 0,
      attempt: 0,
      stuck: this.faults.fires('stuckInQueue'),
      waiters: new Set(),
    };
    this.jobs.set(job.id, job);
    this.enqueue(job);
    return job;
  }

  /** The job if it exists and has not expired (TTL or retention): else undefined, which the API maps to 404. */
  get(id: string): Job | undefined {
    const job = this.jobs.get(id);
    if (job && this.expired(job, Date.now())) {
      this.delete(job);
      return undefined;
    }
    return job;
  }

  /** Resolves when the job is final or `waitMs` passed; the view at that moment. */
  async waitFinal(job: Job, waitMs: number): Promise<JobView> {
    if (!FINAL_STATUSES.has(job.status)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done() {
          clearTimeout(timer);
          job.waiters.delete(done);
          resolve();
        }
        job.waiters.add(done);
      });
    }
    return viewOf(job);
  }

  cancel(job: Job): JobView {
    if (job.status === 'IN_QUEUE') {
      this.dequeue(job);
      this.finish(job, 'CANCELLED');
    } else if (job.status === 'IN_PROGRESS') {
      job.abort?.abort(new Error('cancelled'));
      this.finish(job, 'CANCELLED');
    }
    return viewOf(job);
  }

  /** Only FAILED / TIMED_OUT jobs, under the same id. */
  retry(job: Job): boolean {
    if (job.status !== 'FAILED' && job.status !== 'TIMED_OUT') return false;
    this.stats.counters.retried++;
    this.finished.delete(job);
    Object.assign(job, { status: 'IN_QUEUE', startedAt: undefined, finishedAt: undefined, workerId: undefined, output: undefined, hasOutput: false, error: undefined, retainUntil: undefined, stream: [], streamRead: 0 });
    job.ttlDeadline = Date.now() + job.policy.ttlMs;
    this.enqueue(job);
    return true;
  }

  /**
   * Removes queued jobs only (they are deleted, as on RunPod); running and finished jobs stay. A job waiting
   * for a worker to boot is still IN_QUEUE, so it goes too.
   */
  purgeQueue(): number {
    const removed = [...this.jobs.values()].filter((j) => j.status === 'IN_QUEUE');
    for (const job of removed) this.delete(job);
    return removed.length;
  }

  /**
   * The chunks yielded since the last read. A plain (non-generator) handler's final output is its one chunk,
   * so /stream also works for endpoints that do not stream.
   */
  readStream(job: Job): StreamView {
    if (job.stream.length === 0 && job.streamRead === 0 && job.hasOutput && job.status === 'COMPLETED' && !this.backing.stream) {
      job.stream.push(job.output);
    }
    const fresh = job.stream.slice(job.streamRead);
    job.streamRead = job.stream.length;
    return { status: job.status, stream: fresh.map((output) => ({ output })) };
  }

  setTtl(job: Job, ttlMs: number): void {
    job.policy.ttlMs = ttlMs;
    job.ttlDeadline = Date.now() + ttlMs;
  }

  health(): { jobs: Record<string, number>; workers: Record<string, number> } {
    let idle = 0;
    let running = 0;
    let initializing = 0;
    for (const s of this.slots.values()) {
      if (s.state === 'idle') idle++;
      else if (s.state === 'running') running++;
      else initializing++;
    }
    let inProgress = 0;
    let inQueue = 0;
    for (const j of this.jobs.values()) {
      if (j.status === 'IN_PROGRESS') inProgress++;
      else if (j.status === 'IN_QUEUE') inQueue++;
    }
    const c = this.stats.counters;
    return {
      jobs: { completed: c.completed, failed: c.failed + c.timedOut, inProgress, inQueue, retried: c.retried, cancelled: c.cancelled, timedOut: c.timedOut },
      workers: { idle, running, initializing, max: this.config.maxWorkers },
    };
  }

  /** Deletes jobs past their TTL (aborting running ones) or past result retention. */
  sweep(now = Date.now()): void {
    for (const job of this.jobs.values()) if (this.expired(job, now)) this.delete(job);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.jobs.values()]) this.delete(job);
    for (const s of this.slots.values()) clearTimeout(s.idleTimer);
    this.slots.clear();
    await this.backing.model.close();
  }

  // ---- internals ----

  private expired(job: Job, now: number): boolean {
    return now >= job.ttlDeadline || (job.retainUntil !== undefined && now >= job.retainUntil);
  }

  private delete(job: Job): void {
    if (!this.jobs.delete(job.id)) return;
    this.finished.delete(job);
    if (job.status === 'IN_QUEUE') this.dequeue(job);
    if (!FINAL_STATUSES.has(job.status)) {
      // TTL expiry mid-run: the result is lost, as on RunPod.
      job.abort?.abort(new Error('ttl expired'));
      clearTimeout(job.execTimer);
      this.trackActive(-1, job.status === 'IN_PROGRESS' ? -1 : 0);
      job.status = 'CANCELLED';
      this.wake(job);
    }
  }

  private enqueue(job: Job): void {
    this.queue.push(job);
    this.trackActive(1, 0);
    this.dispatch();
  }

  private dequeue(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private trackActive(dActive: number, dRunning: number): void {
    this.active += dActive;
    this.running += dRunning;
    if (this.active > this.stats.maxActiveJobs) this.stats.maxActiveJobs = this.active;
    if (this.running > this.stats.maxRunningJobs) this.stats.maxRunningJobs = this.running;
  }

  private wake(job: Job): void {
    for (const w of [...job.waiters]) w();
  }

  private finish(job: Job, status: JobStatus, result: { output?: unknown; hasOutput?: boolean; error?: unknown } = {}): void {
    if (FINAL_STATUSES.has(job.status)) return;
    const wasRunning = job.status === 'IN_PROGRESS';
    clearTimeout(job.execTimer);
    job.status = status;
    job.finishedAt = Date.now();
    if (result.hasOutput) {
      job.output = result.output;
      job.hasOutput = true;
    }
    if (result.error !== undefined) job.error = result.error;
    job.retainUntil = job.finishedAt + (job.mode === 'runsync' ? this.retention.runsyncMs : this.retention.runMs);
    // Only /retry (FAILED, TIMED_OUT) needs the input again; a finished job otherwise holds just its result.
    if (status === 'COMPLETED' || status === 'CANCELLED') job.input = undefined;
    this.finished.add(job);
    if (this.finished.size > this.config.maxRetainedJobs) this.delete(this.finished.values().next().value as Job);
    const c = this.stats.counters;
    if (status === 'COMPLETED') c.completed++;
    else if (status === 'FAILED') c.failed++;
    else if (status === 'TIMED_OUT') c.timedOut++;
    else c.cancelled++;
    this.trackActive(-1, wasRunning ? -1 : 0);
    this.wake(job);
  }

  /** Hand queued jobs to idle slots; boot new slots (cold starts) up to maxWorkers for the rest. */
  private dispatch(): void {
    if (this.closed) return;
    let waiting = 0;
    for (const job of [...this.queue]) {
      if (job.stuck) continue;
      const slot = [...this.slots.values()].find((s) => s.state === 'idle');
      if (!slot) {
        waiting++;
        continue;
      }
      this.dequeue(job);
      void this.runJob(slot, job);
    }
    let starting = 0;
    for (const s of this.slots.values()) if (s.state === 'starting') starting++;
    let toStart = Math.min(waiting - starting, this.config.maxWorkers - this.slots.size);
    while (toStart-- > 0) void this.bootSlot();
  }

  private async bootSlot(): Promise<void> {
    const slot: Slot = { id: `${this.id}-w${++this.slotSeq}`, state: 'starting' };
    this.slots.set(slot.id, slot);
    this.stats.counters.coldStarts++;
    try {
      // Cold start = the model's real load (once per process) + the configured extra boot time.
      this.initOnce ??= this.backing.model.init();
      await this.initOnce;
      if (this.config.coldStartExtraMs > 0) await sleep(this.config.coldStartExtraMs);
    } catch (err) {
      // A worker that cannot load fails the queued jobs instead of leaving them stuck forever.
      this.initOnce = undefined;
      this.slots.delete(slot.id);
      const job = this.queue.find((j) => !j.stuck);
      if (job) {
        this.dequeue(job);
        this.finish(job, 'FAILED', { error: handlerError(err) });
      }
      if (this.queue.some((j) => !j.stuck)) this.dispatch();
      return;
    }
    if (this.closed) return;
    this.release(slot);
  }

  private release(slot: Slot): void {
    slot.state = 'idle';
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.state === 'idle') this.slots.delete(slot.id);
    }, this.config.idleTimeoutMs);
    slot.idleTimer.unref();
    this.dispatch();
  }

  private async runJob(slot: Slot, job: Job): Promise<void> {
    slot.state = 'running';
    clearTimeout(slot.idleTimer);
    const attempt = ++job.attempt;
    try {
      if (this.faults.fires('coldStart')) {
        this.stats.counters.coldStarts++;
        await sleep(this.faults.current.coldStart?.ms ?? 0);
        if (job.status !== 'IN_QUEUE' || job.attempt !== attempt) return;
      }
      const abort = new AbortController();
      job.abort = abort;
      job.status = 'IN_PROGRESS';
      job.startedAt = Date.now();
      job.workerId = slot.id;
      this.trackActive(0, 1);
      job.execTimer = setTimeout(() => {
        abort.abort(new Error('execution timeout'));
        this.finish(job, 'TIMED_OUT', { error: `Job timed out after ${job.policy.executionTimeoutMs} ms (executionTimeout)` });
      }, job.policy.executionTimeoutMs);
      const live = () => job.status === 'IN_PROGRESS' && job.attempt === attempt;

      // The handler validates its input first, like runpod-python's rp_validator: list error form.
      const valid = validateInput(this.config.model, job.input);
      if (!valid.ok) return this.finish(job, 'FAILED', { error: valid.errors });

      if (this.faults.fires('failed')) return this.finish(job, 'FAILED', { error: injectedError(this.faults.current.failed?.form ?? 'string') });
      if (this.faults.fires('timedOut')) {
        await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
        return;
      }
      const dropOutput = this.faults.fires('noOutput');
      try {
        if (this.backing.stream) return await this.runGenerator(job, abort.signal, live, dropOutput);
        const output = await this.backing.model.handle(job.input, { jobId: job.id, signal: abort.signal });
        if (!live()) return;
        // runpod-python: a returned {"error": X} makes the job FAILED with X.
        if (output && typeof output === 'object' && !Array.isArray(output) && 'error' in output) {
          return this.finish(job, 'FAILED', { error: (output as { error: unknown }).error });
        }
        this.finish(job, 'COMPLETED', dropOutput ? {} : { output, hasOutput: true });
      } catch (err) {
        if (live()) this.finish(job, 'FAILED', { error: handlerError(err) });
      }
    } finally {
      if (this.slots.has(slot.id)) this.release(slot);
    }
  }

  /**
   * runpod-python's generator path: every yield is a /stream chunk; a yielded `{"error": X}` ends the job
   * FAILED; the job's output is the list of yields with return_aggregate_stream, else `[]`.
   */
  private async runGenerator(job: Job, signal: AbortSignal, live: () => boolean, dropOutput: boolean): Promise<void> {
    for await (const chunk of this.backing.stream!(job.input, { jobId: job.id, signal })) {
      if (!live()) return;
      if (chunk && typeof chunk === 'object' && !Array.isArray(chunk) && 'error' in chunk) {
        return this.finish(job, 'FAILED', { error: (chunk as { error: unknown }).error });
      }
      job.stream.push(chunk);
    }
    if (!live()) return;
    const output = this.config.returnAggregateStream ? [...job.stream] : [];
    this.finish(job, 'COMPLETED', dropOutput ? {} : { output, hasOutput: true });
  }
}

/** A raised handler exception: runpod-python reports it as a JSON-encoded string. */
function handlerError(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  return JSON.stringify({ error_type: e.name, error_message: e.message, error_traceback: e.stack ?? '', hostname: 'emulator' });
}

function injectedError(form: 'string' | 'json' | 'list'): unknown {
  switch (form) {
    case 'string':
      return 'Injected failure: handler returned an error';
    case 'json':
      return JSON.stringify({ error_type: "<class 'RuntimeError'>", error_message: 'Injected failure: CUDA out of memory', error_traceback: 'Traceback (most recent call last):\n  ...' });
    case 'list':
      return ['images: injected validation error'];
  }
}
