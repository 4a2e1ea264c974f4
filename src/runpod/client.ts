import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import { childLogger } from '../obs/logger';
import { type ModelName, type ModelInputs, type ModelOutputs, validateInput, validateOutput } from './contracts';
import type { RunpodConfig } from './config';
import { CostMeter } from './cost';
import { ResultCache } from './cache';
import { RedisSpendStore, type SharedSpendStore } from './shared-spend-cap';
import {
  RunpodAbortedError,
  RunpodContractError,
  RunpodDeadlineError,
  RunpodJobCancelledError,
  RunpodJobTimedOutError,
  RunpodNoOutputError,
  RunpodNotConfiguredError,
  RunpodNetworkError,
  RunpodQueueFullError,
  RunpodRateLimitError,
  RunpodSubmitUncertainError,
  RunpodUnavailableError,
  jobFailedError,
} from './errors';
import { runpodMetrics } from './metrics';
import { PAYLOAD_LIMITS, mergeSplitOutputs, splitForLimit } from './payload';
import { CircuitState, createEndpointPolicies, isEndpointFailure, type EndpointPolicies } from './resilience';
import { RunpodTransport } from './transport';

export type RunpodJobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';
const FINAL: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

/** A /status (or final /runsync) answer. Unknown keys are kept. */
export interface JobStatusResponse {
  id: string;
  status: RunpodJobStatus;
  delayTime?: number;
  executionTime?: number;
  workerId?: string;
  output?: unknown;
  error?: unknown;
  [k: string]: unknown;
}

export interface HealthResponse {
  jobs: { completed: number; failed: number; inProgress: number; inQueue: number; retried: number; [k: string]: number };
  workers: { idle: number; running: number; [k: string]: number };
}

/** RunPod `policy` of a request (ms). */
export interface JobPolicy {
  executionTimeout?: number;
  ttl?: number;
  lowPriority?: boolean;
}

export interface CallOptions {
  /** `run` + polling (default; results kept 30 min) or `runsync` (falls back to polling when not final). */
  mode?: 'run' | 'runsync';
  /** Cost is accounted per stream. */
  streamId?: string;
  /** Aborting cancels the remote job too. */
  signal?: AbortSignal;
  /** Deadline for the whole call, ms (default config.callTimeoutMs). */
  timeoutMs?: number;
  policy?: JobPolicy;
  /** Use the content-hash cache (default true). */
  cache?: boolean;
}

export interface CallResult<T> {
  output: T;
  /** The job(s) that produced it (several when a large batch was split). */
  jobs: { id: string; endpointId: string; delayTime?: number; executionTime?: number }[];
  cached: boolean;
}

export interface RunpodClientOptions {
  logger?: Logger;
  costMeter?: CostMeter;
  /** The shared spend cap's store (default: Redis at config.spendCapRedisUrl when a cap is set). */
  spendStore?: SharedSpendStore;
}

/**
 * RunPod Serverless client: the contract's ops per endpoint id (run, runsync, status, cancel, health, retry,
 * purge-queue) behind per-endpoint retry → circuit breaker, and `call(model, input)` which adds the
 * bulkhead, deadline and cancellation, failover across a model's endpoint ids, the payload guard, the
 * content-hash cache, the cost meter / spend cap, and schema validation both ways.
 * Events: 'retry', 'failover', 'breaker' (state changes), plus the cost meter's 'cost' / 'spend-cap'.
 */
export class RunpodClient extends EventEmitter {
  readonly cost: CostMeter;
  readonly cache: ResultCache;
  private readonly transport: RunpodTransport;
  private readonly policies = new Map<string, EndpointPolicies>();
  private readonly log: Logger;
  private readonly spendStore?: SharedSpendStore;

  constructor(readonly config: RunpodConfig, opts: RunpodClientOptions = {}) {
    super();
    this.transport = new RunpodTransport({ apiBase: config.apiBase, apiKey: config.apiKey, connections: config.connections, requestTimeoutMs: config.requestTimeoutMs });
    this.log = opts.logger ?? childLogger({ component: 'runpod-client' });
    if (!opts.costMeter && config.spendCapUsd !== undefined) {
      this.spendStore = opts.spendStore ?? (config.spendCapRedisUrl ? new RedisSpendStore(config.spendCapRedisUrl) : undefined);
    }
    this.cost =
      opts.costMeter ??
      new CostMeter({
        pricePerSecond: Object.fromEntries(Object.entries(config.models).map(([m, c]) => [m, c.pricePerSecond])) as Record<ModelName, number>,
        overheadSecondsPerCall: config.overheadSecondsPerCall,
        spendCapUsd: config.spendCapUsd,
        shared: this.spendStore
          ? { store: this.spendStore, keyPrefix: config.spendCapKeyPrefix ?? 'runpod:spend', windowS: config.spendCapWindowS ?? 86_400, logger: this.log }
          : undefined,
      });
    this.cache = new ResultCache(config.cacheSize);
  }

  // ---------- the contract's ops, per endpoint id ----------

  async run(endpointId: string, input: unknown, opts: { policy?: JobPolicy; signal?: AbortSignal } = {}): Promise<{ id: string; status: RunpodJobStatus }> {
    return this.request(endpointId, 'POST', 'run', { body: envelope(input, this.policyFor(opts.policy)), signal: opts.signal });
  }

  /** POST /runsync; when the answer is not final yet, polls /status until it is. */
  async runsync(endpointId: string, input: unknown, opts: { policy?: JobPolicy; signal?: AbortSignal; waitMs?: number } = {}): Promise<JobStatusResponse> {
    const first = await this.request<JobStatusResponse>(endpointId, 'POST', 'runsync', {
      body: envelope(input, this.policyFor(opts.policy)),
      signal: opts.signal,
      query: { wait: opts.waitMs ?? this.config.runsyncWaitMs },
    });
    return FINAL.has(first.status) ? first : this.waitForJob(endpointId, first.id, opts.signal);
  }

  status(endpointId: string, jobId: string, opts: { signal?: AbortSignal; ttlMs?: number } = {}): Promise<JobStatusResponse> {
    return this.request(endpointId, 'GET', `status/${jobId}`, { jobId, signal: opts.signal, query: { ttl: opts.ttlMs } });
  }

  cancel(endpointId: string, jobId: string): Promise<{ id: string; status: RunpodJobStatus }> {
    return this.request(endpointId, 'POST', `cancel/${jobId}`, { jobId });
  }

  retry(endpointId: string, jobId: string): Promise<{ id: string; status: RunpodJobStatus }> {
    return this.request(endpointId, 'POST', `retry/${jobId}`, { jobId });
  }

  purgeQueue(endpointId: string): Promise<{ removed: number; status: string }> {
    return this.request(endpointId, 'POST', 'purge-queue', {});
  }

  health(endpointId: string, signal?: AbortSignal): Promise<HealthResponse> {
    return this.request(endpointId, 'GET', 'health', { signal });
  }

  /** Polls /status with a growing interval until the job is final. */
  async waitForJob(endpointId: string, jobId: string, signal?: AbortSignal): Promise<JobStatusResponse> {
    let interval = this.config.pollIntervalMs;
    for (;;) {
      await sleep(interval, undefined, { signal });
      const s = await this.status(endpointId, jobId, { signal });
      if (FINAL.has(s.status)) return s;
      interval = Math.min(this.config.pollMaxIntervalMs, interval * 1.5);
    }
  }

  /** The circuit state of an endpoint id (for health views and tests). */
  circuitState(endpointId: string): 'closed' | 'open' | 'half-open' | 'isolated' {
    const s = this.policiesFor(endpointId).breaker.state;
    return s === CircuitState.Closed ? 'closed' : s === CircuitState.Open ? 'open' : s === CircuitState.HalfOpen ? 'half-open' : 'isolated';
  }

  // ---------- the model-level call ----------

  async call<M extends ModelName>(model: M, input: ModelInputs[M], opts: CallOptions = {}): Promise<CallResult<ModelOutputs[M]>> {
    const ids = this.config.models[model].endpointIds;
    if (!ids.length) throw new RunpodNotConfiguredError(`no RunPod endpoint configured for ${model}: set RUNPOD_${model.toUpperCase()}_ENDPOINT_ID`);
    const useCache = opts.cache !== false && this.config.cacheSize > 0;
    const key = useCache ? ResultCache.key(model, input) : '';
    if (useCache) {
      const hit = this.cache.get(key) as ModelOutputs[M] | undefined;
      if (hit !== undefined) {
        runpodMetrics.cacheHits.inc({ model });
        return { output: hit, jobs: [], cached: true };
      }
    }
    const mode = opts.mode ?? 'run';
    const parts = splitForLimit(model, input as unknown as Record<string, unknown>, PAYLOAD_LIMITS[mode]);
    if (parts.length > 1) this.log.info({ model, parts: parts.length }, 'request over the payload limit or item cap: split into several jobs');
    // Validated per part: a batch over the schema's maxItems is legal for us, we split it.
    for (const part of parts) {
      const valid = validateInput(model, part);
      if (!valid.ok) throw new RunpodContractError(`${model} request does not match its contract: ${valid.errors.join('; ')}`, valid.errors);
    }

    const timer = runpodMetrics.latency.startTimer({ model });
    const results = await Promise.all(parts.map((p) => this.callOnce(model, p, mode, opts)));
    timer();
    const output = mergeSplitOutputs(results.map((r) => r.output));
    const checked = validateOutput(model, output);
    const jobs = results.map((r) => r.job);
    if (!checked.ok) {
      runpodMetrics.errors.inc({ model, type: 'RunpodContractError' });
      throw new RunpodContractError(`${model} reply from endpoint ${jobs[0].endpointId} does not match its contract: ${checked.errors.join('; ')}`, checked.errors, jobs[0].endpointId, jobs[0].id);
    }
    if (useCache) this.cache.set(key, checked.value);
    return { output: checked.value, jobs, cached: false };
  }

  async close(): Promise<void> {
    await this.cost.settled();
    await this.spendStore?.close();
    await this.transport.close();
  }

  // ---------- internals ----------

  /** One job: spend-cap reservation, then failover across the model's endpoint ids. */
  private async callOnce(model: ModelName, input: unknown, mode: 'run' | 'runsync', opts: CallOptions) {
    const reservation = await this.cost.acquire(model, opts.streamId, { gpu: this.config.models[model].gpu, input });
    // What record() booked for this call's jobs (a failed job on one endpoint is billed too): the shared cap settles by it.
    const booked = { usd: 0 };
    let uncertain = false;
    try {
      const ids = this.config.models[model].endpointIds;
      let lastErr: unknown;
      for (let i = 0; i < ids.length; i++) {
        const endpointId = ids[i];
        const isLast = i === ids.length - 1;
        if (!isLast && this.policiesFor(endpointId).breaker.state === CircuitState.Open) {
          this.log.warn({ model, endpointId }, 'circuit open: skipping to the next endpoint id');
          continue;
        }
        try {
          const res = await this.runOnEndpoint(model, endpointId, input, mode, opts, booked);
          runpodMetrics.calls.inc({ model, endpoint: endpointId, outcome: 'ok' });
          return res;
        } catch (err) {
          lastErr = err;
          if (err instanceof RunpodSubmitUncertainError) uncertain = true;
          runpodMetrics.calls.inc({ model, endpoint: endpointId, outcome: 'error' });
          runpodMetrics.errors.inc({ model, type: (err as Error).constructor?.name ?? 'Error' });
          const endpointFailing = err instanceof BrokenCircuitError || err instanceof RunpodRateLimitError || err instanceof RunpodQueueFullError || isEndpointFailure(err);
          if (!endpointFailing || isLast) throw this.finalError(model, err);
          this.log.warn({ model, endpointId, next: ids[i + 1], err: (err as Error).message }, 'endpoint failing: failing over');
          this.emit('failover', { model, from: endpointId, to: ids[i + 1], error: err });
        }
      }
      throw this.finalError(model, lastErr);
    } finally {
      // A submit whose reply was lost may be running (and billed): its hold on the cap stays.
      if (uncertain) reservation.keep(booked.usd); else reservation.release(booked.usd);
    }
  }

  private finalError(model: ModelName, err: unknown): unknown {
    if (err instanceof BrokenCircuitError) {
      return new RunpodUnavailableError(`every RunPod endpoint for ${model} is failing (circuit open); retry later`, model, { cause: err });
    }
    return err;
  }

  /** Submit, wait for the final status (bulkhead, deadline, cancel on abort), and book the cost. */
  private async runOnEndpoint(model: ModelName, endpointId: string, input: unknown, mode: 'run' | 'runsync', opts: CallOptions, booked?: { usd: number }) {
    const deadline = AbortSignal.timeout(opts.timeoutMs ?? this.config.callTimeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    let jobId: string | undefined;
    const stop = (): never => {
      if (jobId) void this.cancelQuietly(endpointId, jobId);
      if (opts.signal?.aborted) throw new RunpodAbortedError(`${model} call aborted${jobId ? `: job ${jobId} cancelled` : ''}`, endpointId, jobId);
      throw new RunpodDeadlineError(`${model} call on endpoint ${endpointId} passed its ${opts.timeoutMs ?? this.config.callTimeoutMs} ms deadline${jobId ? `: job ${jobId} cancelled` : ''}`, endpointId, jobId);
    };
    try {
      return await this.policiesFor(endpointId).bulkhead.execute(async () => {
        signal.throwIfAborted();
        let final: JobStatusResponse;
        if (mode === 'runsync') {
          const first = await this.request<JobStatusResponse>(endpointId, 'POST', 'runsync', {
            body: envelope(input, this.policyFor(opts.policy)),
            signal,
            query: { wait: this.config.runsyncWaitMs },
          });
          jobId = first.id;
          final = FINAL.has(first.status) ? first : await this.waitForJob(endpointId, first.id, signal);
        } else {
          const sub = await this.run(endpointId, input, { policy: opts.policy, signal });
          jobId = sub.id;
          final = await this.waitForJob(endpointId, sub.id, signal);
        }
        return { output: this.outputOf(final, endpointId, model, opts.streamId, input, booked), job: { id: final.id, endpointId, delayTime: final.delayTime, executionTime: final.executionTime } };
      }, signal);
    } catch (err) {
      if (signal.aborted) stop();
      if (err instanceof BulkheadRejectedError) {
        throw new RunpodQueueFullError(`${model} call on endpoint ${endpointId}: ${this.config.maxInFlightPerEndpoint} jobs in flight and ${this.config.maxQueuedPerEndpoint} waiting already; retry later`, endpointId, this.config.maxQueuedPerEndpoint);
      }
      throw err;
    }
  }

  /** Final status → output or typed error; any job that ran is billed. */
  private outputOf(final: JobStatusResponse, endpointId: string, model: ModelName, streamId?: string, input?: unknown, booked?: { usd: number }): unknown {
    if (typeof final.executionTime === 'number') {
      const rec = this.cost.record(model, endpointId, final.id, final.executionTime, streamId, !(this.config.localEmulator ?? !this.config.apiKey) ? undefined : { gpu: this.config.models[model].gpu, input, output: final.output });
      runpodMetrics.gpuSeconds.inc({ model }, rec.gpuSeconds);
      runpodMetrics.costUsd.inc({ model }, rec.usd);
      if (booked) booked.usd += rec.usd;
    }
    switch (final.status) {
      case 'COMPLETED':
        if (final.output === undefined || final.output === null) {
          throw new RunpodNoOutputError(`RunPod job ${final.id} on endpoint ${endpointId} COMPLETED without output (the worker may have failed to upload a large result)`, endpointId, final.id);
        }
        return final.output;
      case 'FAILED':
        throw jobFailedError(final.error, endpointId, final.id);
      case 'TIMED_OUT':
        throw new RunpodJobTimedOutError(`RunPod job ${final.id} on endpoint ${endpointId} TIMED_OUT (executionTimeout)`, endpointId, final.id);
      default:
        throw new RunpodJobCancelledError(`RunPod job ${final.id} on endpoint ${endpointId} was ${final.status}`, endpointId, final.id);
    }
  }

  private async cancelQuietly(endpointId: string, jobId: string): Promise<void> {
    try {
      await this.transport.request({ method: 'POST', endpointId, op: `cancel/${jobId}`, jobId, signal: AbortSignal.timeout(5000) });
      this.log.debug({ endpointId, jobId }, 'remote job cancelled');
    } catch (err) {
      this.log.warn({ endpointId, jobId, err: (err as Error).message }, 'could not cancel the remote job');
    }
  }

  private policyFor(p?: JobPolicy): JobPolicy | undefined {
    const merged: JobPolicy = { executionTimeout: this.config.executionTimeoutMs, ttl: this.config.ttlMs, ...p };
    return merged.executionTimeout === undefined && merged.ttl === undefined && merged.lowPriority === undefined ? undefined : merged;
  }

  private policiesFor(endpointId: string): EndpointPolicies {
    let p = this.policies.get(endpointId);
    if (!p) {
      p = createEndpointPolicies(this.config.retry, this.config.breaker, this.config.maxInFlightPerEndpoint, this.config.maxQueuedPerEndpoint);
      p.retry.onRetry((e) => {
        runpodMetrics.retries.inc({ endpoint: endpointId });
        const error = 'error' in e ? e.error : undefined;
        this.log.warn({ endpointId, attempt: e.attempt, delayMs: Math.round(e.delay), err: error?.message }, 'retrying RunPod request');
        this.emit('retry', { endpointId, attempt: e.attempt, delayMs: e.delay, error });
      });
      p.breaker.onStateChange((s) => {
        const state = s === CircuitState.Closed ? 'closed' : s === CircuitState.Open ? 'open' : 'half-open';
        this.log.warn({ endpointId, state }, 'circuit breaker state change');
        this.emit('breaker', { endpointId, state });
      });
      this.policies.set(endpointId, p);
    }
    return p;
  }

  /** One HTTP request through the endpoint's retry and circuit breaker. */
  private async request<T>(endpointId: string, method: 'GET' | 'POST', op: string, spec: { body?: string; jobId?: string; signal?: AbortSignal; query?: Record<string, string | number | undefined> }): Promise<T> {
    const p = this.policiesFor(endpointId);
    const opName = op.split('/')[0];
    const submit = opName === 'run' || opName === 'runsync';
    return p.retry.execute(
      async ({ signal }) => {
        try {
          return await p.breaker.execute(async () => {
            try {
              const r = await this.transport.request<T>({ method, endpointId, op, jobId: spec.jobId, body: spec.body, query: spec.query, signal });
              runpodMetrics.requests.inc({ endpoint: endpointId, op: opName, status: '2xx' });
              return r;
            } catch (err) {
              const status = (err as { status?: number }).status;
              runpodMetrics.requests.inc({ endpoint: endpointId, op: opName, status: status ? String(status) : 'network' });
              throw err;
            }
          }, signal);
        } catch (err) {
          // RunPod has no idempotency key and a lost reply carries no job id, so there is no /status to check:
          // resubmitting could run (and bill) the job twice. Only a submit that surely never arrived is retried.
          if (submit && err instanceof RunpodNetworkError && err.maybeDelivered) {
            throw new RunpodSubmitUncertainError(`RunPod ${opName} on endpoint ${endpointId}: the request may have been accepted but its reply was lost; not resubmitted (${err.message})`, endpointId, { cause: err });
          }
          throw err;
        }
      },
      spec.signal,
    );
  }
}

function envelope(input: unknown, policy?: JobPolicy): string {
  return JSON.stringify(policy ? { input, policy } : { input });
}
