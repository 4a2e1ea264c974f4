/**
 * Webhook deliveries off the stage's input path: a bounded queue drained by a few workers, each job one
 * alert to one target through deliverAlert (retries, backoff, every attempt logged). The alert row is
 * written before a job is queued, so a job dropped here (queue full, shutdown mid-retry) is not lost: the
 * redelivery sweep finds it as an alert without an accepted delivery. Secrets are read from the
 * environment when a job starts and never kept on the job.
 */
import { deliverAlert, displayTarget, type DeliveryLog, type DeliveryPolicy, type DeliveryResult } from '../alerts';
import { VideoAgentError } from '../errors';
import { childLogger } from '../obs/logger';
import type { AlertMsg } from '../topics';
import type { WebhookSpec } from './rule-schema';
import { secretEnv } from '../config/secret-env';

export interface DispatcherOptions {
  log: DeliveryLog;
  policy: DeliveryPolicy;
  capacity: number;
  concurrency: number;
  env?: Record<string, string | undefined>;
  streamId?: string;
  /** After each job's last attempt (tests, metrics). */
  onDone?(alert: AlertMsg, target: string, result: DeliveryResult | null): void;
}

export interface DispatcherStats { queued: number; delivered: number; failed: number; dropped: number; inFlight: number }

interface Job { alert: AlertMsg; hook: WebhookSpec; target: string; firstAttempt: number }

/** The secret of a webhook target from the environment; a missing or short one is a config error. */
export function webhookSecret(hook: WebhookSpec, env: Record<string, string | undefined> = process.env): string {
  const s = secretEnv(hook.secretEnv, env);
  if (!s || s.length < 16) {
    throw new VideoAgentError('E_BAD_RULE', `webhook ${displayTarget(hook.url)}: environment variable ${hook.secretEnv} ${s ? 'must hold at least 16 characters' : 'is not set'} (the HMAC secret)`, { kind: 'config' });
  }
  return s;
}

export class AlertDispatcher {
  private readonly log;
  private readonly queue: Job[] = [];
  /** alertId + target of every queued or running job (the sweep must not queue them twice). */
  private readonly pending = new Set<string>();
  private running = 0;
  private readonly abort = new AbortController();
  private idleWaiters: (() => void)[] = [];
  readonly stats: DispatcherStats = { queued: 0, delivered: 0, failed: 0, dropped: 0, inFlight: 0 };

  constructor(private readonly o: DispatcherOptions) {
    this.log = childLogger({ component: 'alert-dispatcher', streamId: o.streamId });
  }

  /** Queues one job per target; false for a target whose job was dropped (queue full) or is already pending. */
  enqueue(alert: AlertMsg, hooks: readonly WebhookSpec[], firstAttempt = 1): boolean {
    let all = true;
    for (const hook of hooks) {
      const target = displayTarget(hook.url);
      const key = `${alert.alertId} ${target}`;
      if (this.pending.has(key)) { all = false; continue; }
      if (this.queue.length >= this.o.capacity || this.abort.signal.aborted) {
        this.stats.dropped++;
        this.log.warn({ alertId: alert.alertId, target, capacity: this.o.capacity }, 'delivery queue full; the redelivery sweep will send this alert later');
        all = false;
        continue;
      }
      this.pending.add(key);
      this.queue.push({ alert, hook, target, firstAttempt });
      this.stats.queued++;
    }
    this.pump();
    return all;
  }

  isPending(alertId: string, target: string): boolean { return this.pending.has(`${alertId} ${target}`); }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && !this.queue.length) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Waits up to `timeoutMs` for the queue to drain, then abandons the rest (the sweep redelivers them). */
  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); })]);
    clearTimeout(timer);
    if (this.running || this.queue.length) this.log.warn({ left: this.queue.length + this.running }, 'deliveries still pending at shutdown; they are sent again on the next start');
    this.queue.length = 0;
    this.abort.abort();
  }

  private pump(): void {
    while (this.running < this.o.concurrency && this.queue.length) {
      const job = this.queue.shift()!;
      this.running++;
      this.stats.inFlight = this.running;
      void this.run(job).finally(() => {
        this.running--;
        this.stats.inFlight = this.running;
        this.pending.delete(`${job.alert.alertId} ${job.target}`);
        this.pump();
        if (!this.running && !this.queue.length) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    let result: DeliveryResult | null = null;
    try {
      const secret = webhookSecret(job.hook, this.o.env);
      // A redelivery continues the attempt numbering, so every attempt keeps its own deliveries row.
      const offset = job.firstAttempt - 1;
      const log: DeliveryLog = offset ? { recordAttempt: (a) => this.o.log.recordAttempt({ ...a, attempt: a.attempt + offset }) } : this.o.log;
      result = await deliverAlert(job.alert, { url: job.hook.url, secret }, log, this.o.policy, this.abort.signal);
      if (result.ok) this.stats.delivered++;
      else { this.stats.failed++; this.log.warn({ alertId: job.alert.alertId, target: job.target, status: result.status, attempts: result.attempts }, 'webhook delivery gave up'); }
    } catch (err) {
      this.stats.failed++;
      if (!this.abort.signal.aborted) this.log.error({ alertId: job.alert.alertId, target: job.target, err: (err as Error).message }, 'webhook delivery failed');
    }
    this.o.onDone?.(job.alert, job.target, result);
  }
}
