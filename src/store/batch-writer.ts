import { VideoAgentError } from '../errors';
import { childLogger } from '../obs/logger';
import { storeQueued, storeRows } from './metrics';
import type { Spool } from './spool';

export interface BatchWriterOptions<T> {
  /** Table name: labels metrics and names the spool file. */
  name: string;
  /** Writes one batch; returns rows actually inserted (duplicates excluded). */
  sink: (rows: T[]) => Promise<number>;
  /** Flush as soon as this many rows are queued. */
  maxBatch?: number;
  /**
   * How long the first row reaching an idle writer waits for company before its batch is cut (default 0:
   * the next turn of the event loop, which gathers every write made meanwhile). Rows arriving while a batch
   * is in flight go out as soon as it is done, whatever this is (group commit). An awaited write waits this
   * long too, so keep it small.
   */
  lingerMs?: number;
  /**
   * Upper bound on how long a queued row waits for its batch to be cut: caps lingerMs. Group commit cuts
   * batches without a timer, so this no longer makes rows wait.
   */
  maxAgeMs?: number;
  /** Bound on queued rows: write() waits (back-pressure) while the queue is full. */
  maxQueued?: number;
  /** Checked per row before it is accepted (a bad row is a clear error, never a poisoned batch). */
  validate?: (row: T) => void;
  /** Resolves when the database is usable (migrations done); until then batches go to the spool. */
  ready?: Promise<void>;
  /** Where batches go while the database is unreachable. Without it such failures reject flush(). */
  spool?: Spool;
  /** Tells "database unreachable" apart from data errors. */
  isRetryable?: (err: unknown) => boolean;
  /** How often to try replaying the spool while it is not empty. */
  replayIntervalMs?: number;
  /** How long a batch waits for `ready` before going to the spool. */
  readyWaitMs?: number;
}

export interface BatchWriterStats {
  accepted: number;
  inserted: number;
  duplicates: number;
  spooled: number;
  replayed: number;
  rejected: number;
  queued: number;
  spooling: boolean;
}

/** One write() call: resolves when all its rows are durable, rejects when the database refused any. */
interface Ticket {
  /** Rows of this call not yet durable. */
  left: number;
  /** All rows of the call are queued (a large call is queued piecewise under back-pressure). */
  sealed: boolean;
  error: unknown;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * A bounded, batched writer for one table, with group commit: a batch is cut as soon as the writer is
 * free (or when maxBatch rows are queued), so rows that arrive while one batch is in flight share the
 * next one, and a busy table gets big batches without anyone waiting on a timer. One batch is in flight at
 * a time (delivery and spool replay share one serial chain, so the spool cannot be declared empty while a
 * batch is being appended to it). While the database is unreachable batches are appended to the spool
 * (fsync'd) and replayed on reconnect. write() resolves only once its rows are durable: committed, or on
 * disk in the spool. That is what lets the stage graph acknowledge a bus entry when its writes resolve
 * (src/graph/stream-graph.ts).
 */
export class BatchWriter<T> {
  private readonly log;
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly maxQueued: number;
  private readonly replayIntervalMs: number;
  private readonly readyWaitMs: number;
  private queue: T[] = [];
  /** owners[i] is the write() call of queue[i]. */
  private owners: Ticket[] = [];
  private spaceWaiters: (() => void)[] = [];
  private ageTimer: NodeJS.Timeout | null = null;
  private replayTimer: NodeJS.Timeout | null = null;
  private serial: Promise<void> = Promise.resolve();
  private draining: Promise<void> | null = null;
  private isReady = false;
  private closed = false;
  private spooling = false;
  private lastError: unknown = null;
  private readonly counts = { accepted: 0, inserted: 0, duplicates: 0, spooled: 0, replayed: 0, rejected: 0 };

  constructor(private readonly opts: BatchWriterOptions<T>) {
    this.log = childLogger({ module: 'store/writer', table: opts.name });
    this.maxBatch = opts.maxBatch ?? 1000;
    this.lingerMs = Math.min(opts.lingerMs ?? 0, opts.maxAgeMs ?? Infinity);
    this.maxQueued = Math.max(opts.maxQueued ?? 20_000, this.maxBatch);
    this.replayIntervalMs = opts.replayIntervalMs ?? 1000;
    this.readyWaitMs = opts.readyWaitMs ?? 2000;
    if (opts.ready) {
      opts.ready.then(() => { this.isReady = true; }, () => undefined);
    } else {
      this.isReady = true;
    }
    // Batches spooled by an earlier process (the DB was down when it stopped) are replayed too.
    opts.spool?.hasPending(opts.name).then((p) => { if (p) this.enterSpooling(); }, () => undefined);
  }

  get stats(): BatchWriterStats {
    return { ...this.counts, queued: this.queue.length, spooling: this.spooling };
  }

  /**
   * Accepts rows (waiting while the queue is full) and resolves once they are durable: committed in the
   * database, or appended to the spool and fsync'd while it is unreachable. Rejects with a
   * VideoAgentError for an invalid row (nothing of the call is accepted) or after close(), and with the
   * database's error when it refused a batch holding some of these rows.
   */
  async write(rows: T | T[]): Promise<void> {
    const list = Array.isArray(rows) ? rows : [rows];
    if (this.closed) throw new VideoAgentError('E_WRITER_CLOSED', `${this.opts.name} writer is closed`);
    if (this.opts.validate) for (const r of list) this.opts.validate(r);
    if (list.length === 0) return;
    let ticket!: Ticket;
    const done = new Promise<void>((resolve, reject) => {
      ticket = { left: list.length, sealed: false, error: null, resolve, reject };
    });
    let i = 0;
    while (i < list.length) {
      while (this.queue.length >= this.maxQueued) {
        this.kick();
        await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      }
      const n = Math.min(list.length - i, this.maxQueued - this.queue.length);
      for (let k = 0; k < n; k++) { this.queue.push(list[i + k]); this.owners.push(ticket); }
      i += n;
      this.counts.accepted += n;
      storeQueued.labels(this.opts.name).set(this.queue.length);
      this.schedule();
    }
    ticket.sealed = true;
    settle(ticket);
    return done;
  }

  /**
   * Resolves when every row accepted so far is in the database or, only while the database is
   * unreachable, in the spool (one replay attempt is made first, so a recovered database is caught up).
   */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.draining) {
      this.kick();
      await this.draining;
    }
    await this.serial;
    if (this.spooling && this.isReady && !this.closed) await this.runSerial(() => this.replayOnce()).catch(() => undefined);
    if (this.lastError) {
      const err = this.lastError;
      this.lastError = null;
      throw err;
    }
  }

  /** Flushes, then stops timers. Spooled rows stay on disk for the next process to replay. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.clearAgeTimer();
      if (this.replayTimer) clearTimeout(this.replayTimer);
      this.replayTimer = null;
    }
  }

  /** Cuts a batch now when it is full; otherwise once the writer is free (after lingerMs when idle). */
  private schedule(): void {
    if (this.queue.length >= this.maxBatch) { this.kick(); return; }
    if (this.draining || this.ageTimer) return; // a running drain picks the rows up when its batch is done
    this.ageTimer = this.lingerMs > 0
      ? setTimeout(() => { this.ageTimer = null; this.kick(); }, this.lingerMs)
      : (setImmediate(() => { this.ageTimer = null; this.kick(); }) as unknown as NodeJS.Timeout);
  }

  private clearAgeTimer(): void {
    if (!this.ageTimer) return;
    clearTimeout(this.ageTimer);
    clearImmediate(this.ageTimer as unknown as NodeJS.Immediate);
    this.ageTimer = null;
  }

  private kick(): void {
    if (this.draining || this.queue.length === 0) return;
    this.clearAgeTimer();
    this.draining = this.drain().finally(() => { this.draining = null; });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const owners = this.owners.splice(0, batch.length);
      storeQueued.labels(this.opts.name).set(this.queue.length);
      let error: unknown = null;
      await this.runSerial(() => this.deliver(batch)).catch((err) => { this.lastError = error = err; });
      for (let k = 0; k < owners.length;) {
        // Rows of one call are contiguous: settle each run at once.
        const t = owners[k];
        let j = k + 1;
        while (j < owners.length && owners[j] === t) j++;
        t.left -= j - k;
        if (error && !t.error) t.error = error;
        settle(t);
        k = j;
      }
      for (const wake of this.spaceWaiters.splice(0)) wake();
    }
  }

  private runSerial(fn: () => Promise<void>): Promise<void> {
    const run = this.serial.then(fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async deliver(batch: T[]): Promise<void> {
    const spool = this.opts.spool;
    // Migrations still running (not the database being down): wait a little rather than spool.
    // The timer is not unref'd: a batch somebody awaits must keep the process alive until it is durable.
    if (spool && !this.isReady && !this.spooling && this.opts.ready) await Promise.race([this.opts.ready.catch(() => undefined), sleep(this.readyWaitMs)]);
    if (spool && (this.spooling || !this.isReady)) {
      await this.toSpool(batch);
      return;
    }
    try {
      this.account(batch.length, await this.opts.sink(batch));
    } catch (err) {
      const retryable = this.opts.isRetryable?.(err) ?? false;
      if (spool && retryable) {
        this.log.warn({ err: (err as Error).message, rows: batch.length }, 'database unreachable: spooling to disk');
        await this.toSpool(batch);
        return;
      }
      this.counts.rejected += batch.length;
      storeRows.labels(this.opts.name, 'rejected').inc(batch.length);
      this.log.error({ err: (err as Error).message, rows: batch.length }, 'batch rejected by the database');
      // Keep the rows for inspection rather than dropping them silently.
      if (spool) await spool.append(`${this.opts.name}.rejected`, batch).catch(() => undefined);
      throw err;
    }
  }

  private account(rows: number, inserted: number): void {
    this.counts.inserted += inserted;
    this.counts.duplicates += rows - inserted;
    storeRows.labels(this.opts.name, 'inserted').inc(inserted);
    storeRows.labels(this.opts.name, 'duplicate').inc(rows - inserted);
  }

  private async toSpool(batch: T[]): Promise<void> {
    await this.opts.spool!.append(this.opts.name, batch);
    this.counts.spooled += batch.length;
    storeRows.labels(this.opts.name, 'spooled').inc(batch.length);
    this.enterSpooling();
  }

  private enterSpooling(): void {
    this.spooling = true;
    this.scheduleReplay();
  }

  private scheduleReplay(): void {
    if (this.replayTimer || this.closed) return;
    this.replayTimer = setTimeout(() => {
      this.replayTimer = null;
      if (!this.isReady) { this.scheduleReplay(); return; }
      this.runSerial(() => this.replayOnce()).catch((err) => {
        this.log.debug({ err: (err as Error).message }, 'spool replay failed; will retry');
        this.scheduleReplay();
      });
    }, this.replayIntervalMs);
    this.replayTimer.unref();
  }

  private async replayOnce(): Promise<void> {
    const spool = this.opts.spool!;
    const n = await spool.replay<T>(this.opts.name, async (rows) => {
      try {
        this.account(rows.length, await this.opts.sink(rows));
      } catch (err) {
        if (this.opts.isRetryable?.(err) ?? true) throw err; // still down: keep the file, retry later
        // A batch the database refuses would block the spool forever: set it aside and go on.
        this.counts.rejected += rows.length;
        storeRows.labels(this.opts.name, 'rejected').inc(rows.length);
        this.log.error({ err: (err as Error).message, rows: rows.length }, 'spooled batch rejected by the database');
        await spool.append(`${this.opts.name}.rejected`, rows);
      }
    });
    if (n > 0) {
      this.counts.replayed += n;
      storeRows.labels(this.opts.name, 'replayed').inc(n);
      this.log.info({ rows: n }, 'spool replayed');
    }
    // Runs inside the serial chain: nothing can be appending right now.
    if (await spool.hasPending(this.opts.name)) this.scheduleReplay();
    else this.spooling = false;
  }
}

function settle(t: Ticket): void {
  if (!t.sealed || t.left > 0) return;
  if (t.error) t.reject(t.error);
  else t.resolve();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
