import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ModelName } from './contracts';
import { RunpodSpendCapError } from './errors';
import { itemsOf, itemsOfOutput, modelledMs, timingFor, type CallItems } from './gpu-timing';
import { runpodMetrics } from './metrics';
import type { GpuType } from './prices';
import { spendWindowKey, toMicro, type SharedSpendStore } from './shared-spend-cap';

export interface CostMeterOptions {
  /** USD per GPU second, per model (from the endpoint's GPU). */
  pricePerSecond: Record<ModelName, number>;
  /** Billed seconds per call that executionTime does not show (cold start, idle timeout). */
  overheadSecondsPerCall: number;
  spendCapUsd?: number;
  /** The cap shared by every process on one Redis (REDIS_URL): see `acquire`. */
  shared?: SharedSpendCapOptions;
}

export interface SharedSpendCapOptions {
  store: SharedSpendStore;
  /** Counter key prefix (the window start is appended). */
  keyPrefix: string;
  /** The cap's window, seconds, aligned on the epoch (86 400: the UTC day). */
  windowS: number;
  logger?: Logger;
  /** After the store failed, how long calls use the local cap without trying it again (ms). */
  retryAfterMs?: number;
}

export interface CostTotals {
  calls: number;
  /** The jobs' executionTime (on the local emulator: CPU time of a CPU model, not GPU time). */
  executionSeconds: number;
  /**
   * Booked GPU seconds + calls × overhead. Billed calls book executionTime; modelled calls (local CPU models) book
   * the GPU timing model's estimate (src/runpod/gpu-timing.ts) instead.
   */
  gpuSeconds: number;
  /** Calls booked from the timing model rather than executionTime. */
  modelledCalls: number;
  usd: number;
}

/** How GPU seconds were booked: from RunPod's executionTime, from the timing model (local CPU models), or both. */
export type CostBasis = 'billed' | 'modelled' | 'mixed' | 'none';

export interface CostSnapshot {
  total: CostTotals;
  byModel: Partial<Record<ModelName, CostTotals>>;
  byStream: Record<string, CostTotals>;
  spendCapUsd?: number;
  basis: CostBasis;
  /** The GPU whose timing row modelled each model's calls (modelled calls only). */
  modelledGpu: Partial<Record<ModelName, GpuType>>;
  /** Plain-language caveat printed with every cost figure. */
  note: string;
}

/** The local-model case: book modelled GPU time on this GPU, from the job's input (and output, for VLM tokens). */
export interface ModelledJob {
  gpu: GpuType;
  input?: unknown;
  output?: unknown;
}

export interface CostRecord {
  model: ModelName;
  streamId?: string;
  endpointId: string;
  jobId: string;
  executionTimeMs: number;
  gpuSeconds: number;
  usd: number;
  /** Set when gpuSeconds comes from the timing model: the GPU row used and the items it counted. */
  modelled?: { gpu: GpuType; items: number; outputTokens: number; ms: number };
}

/** What a reservation is sized from: the job's input on the model's configured GPU (src/runpod/gpu-timing.ts). */
export interface ReserveBasis {
  gpu: GpuType;
  input: unknown;
}

/** A call's hold on the spend cap until its cost is booked. */
export interface Reservation {
  /**
   * The call ended (its cost booked, or it never ran): the hold goes. Idempotent. `bookedUsd`: what `record` booked
   * for this call (a shared cap replaces the hold by it; the local cap already counts it in the spent total).
   */
  release(bookedUsd?: number): void;
  /**
   * The call may have run without our knowing (a submit whose reply was lost): the hold stays for the life of the
   * meter (shared: of the window), so the cap still counts it. `bookedUsd` as for release.
   */
  keep(bookedUsd?: number): void;
}

/** Emitted as 'spend-cap' when a call is refused. */
export interface SpendCapEvent {
  model: ModelName;
  streamId?: string;
  spentUsd: number;
  reservedUsd: number;
  estimateUsd: number;
  capUsd: number;
}

const empty = (): CostTotals => ({ calls: 0, executionSeconds: 0, gpuSeconds: 0, modelledCalls: 0, usd: 0 });

/**
 * GPU seconds × the endpoint GPU's price per second, plus a per-call overhead, per stream, per model and in
 * total. A spend cap refuses (before submitting) any call whose estimate would cross it, counting the
 * estimates of calls still in flight, and emits 'spend-cap'. Emits 'cost' with each CostRecord.
 */
export class CostMeter extends EventEmitter {
  private readonly total = empty();
  private readonly byModel = new Map<ModelName, CostTotals>();
  private readonly byStream = new Map<string, CostTotals>();
  /** Running mean booked seconds (before overhead) per model: the estimate for the next call. */
  private readonly meanExec = new Map<ModelName, number>();
  private readonly modelledGpu = new Map<ModelName, GpuType>();
  private reservedUsd = 0;
  private readonly settling = new Set<Promise<unknown>>();
  private sharedDownUntil = 0;
  private sharedDownLogged = false;

  constructor(private readonly opts: CostMeterOptions) {
    super();
  }

  /**
   * The larger of the model's running mean booked seconds and, given `basis`, the timing model's seconds for this
   * job's items (VLM: max_tokens as the output), plus overhead, at the model's price. The first calls of a run have
   * no mean yet: without the timing model they would reserve nothing and all pass the cap at once.
   */
  estimateUsd(model: ModelName, basis?: ReserveBasis): number {
    let seconds = this.meanExec.get(model) ?? 0;
    if (basis) seconds = Math.max(seconds, modelledMs(timingFor(model, basis.gpu).timing, itemsOf(model, basis.input)) / 1000);
    return (seconds + this.opts.overheadSecondsPerCall) * this.opts.pricePerSecond[model];
  }

  /** USD held by calls in flight (and by calls whose outcome is unknown, see Reservation.keep). */
  get reservedTotalUsd(): number {
    return this.reservedUsd;
  }

  /**
   * Reserve the estimate of one call before it is submitted; throws RunpodSpendCapError when spent + held + this
   * estimate would cross the cap. Checked and taken synchronously, so concurrent callers in one process cannot pass
   * the check together. Release after the cost is booked (record), never before: the two overlap, not leave a gap.
   */
  reserve(model: ModelName, streamId?: string, basis?: ReserveBasis): Reservation {
    const estimate = this.estimateUsd(model, basis);
    const cap = this.opts.spendCapUsd;
    // Strictly over: a call that exactly reaches the cap is allowed; with a zero estimate only a spent-out cap refuses.
    if (cap !== undefined && (this.total.usd + this.reservedUsd + estimate > cap || this.total.usd >= cap)) {
      const ev: SpendCapEvent = { model, streamId, spentUsd: this.total.usd, reservedUsd: this.reservedUsd, estimateUsd: estimate, capUsd: cap };
      this.emit('spend-cap', ev);
      throw new RunpodSpendCapError(
        `RunPod spend cap reached: $${this.total.usd.toFixed(6)} spent (+$${this.reservedUsd.toFixed(6)} in flight) and this ${model} call (~$${estimate.toFixed(6)}) would cross RUNPOD_SPEND_CAP_USD=$${cap}`,
        this.total.usd,
        cap,
        estimate,
      );
    }
    this.reservedUsd += estimate;
    let done = false;
    return {
      release: () => {
        if (done) return;
        done = true;
        this.reservedUsd = Math.max(0, this.reservedUsd - estimate);
      },
      keep: () => { done = true; },
    };
  }

  /**
   * `reserve`, against the shared cap when one is configured: the estimate is added to the window's counter on Redis
   * by one script that checks and reserves (so concurrent callers in any number of processes cannot pass the check
   * together), and the reservation settles there by (booked − reserved), or gives its hold back when nothing ran.
   *
   * Redis unreachable: the call is checked against this process's own cap instead (counted in
   * video_agent_runpod_spend_cap_fallback_total, logged once per outage). Failing closed would stop all inference for
   * a Redis blip — and Redis is the bus too, so workers stall anyway — while the local cap still bounds each process
   * at the cap: the worst case during an outage is one cap per process, never unbounded spend.
   */
  async acquire(model: ModelName, streamId?: string, basis?: ReserveBasis): Promise<Reservation> {
    const shared = this.opts.shared;
    const cap = this.opts.spendCapUsd;
    if (!shared || cap === undefined || Date.now() < this.sharedDownUntil) return this.reserve(model, streamId, basis);
    const estimate = this.estimateUsd(model, basis);
    const micro = toMicro(estimate);
    const key = spendWindowKey(shared.keyPrefix, shared.windowS);
    const ttlMs = shared.windowS * 2000;
    let res: { ok: boolean; totalMicro: number };
    try {
      res = await shared.store.reserve(key, micro, Math.floor(cap * 1e6 + 1e-6), ttlMs);
      this.sharedDownLogged = false;
    } catch (err) {
      this.sharedUnavailable('reserve', err);
      return this.reserve(model, streamId, basis);
    }
    if (!res.ok) {
      const spentUsd = res.totalMicro / 1e6;
      const ev: SpendCapEvent = { model, streamId, spentUsd, reservedUsd: this.reservedUsd, estimateUsd: estimate, capUsd: cap };
      this.emit('spend-cap', ev);
      throw new RunpodSpendCapError(
        `RunPod spend cap reached: $${spentUsd.toFixed(6)} spent or in flight across all processes this window, and this ${model} call (~$${estimate.toFixed(6)}) would cross RUNPOD_SPEND_CAP_USD=$${cap}`,
        spentUsd,
        cap,
        estimate,
      );
    }
    this.reservedUsd += estimate;
    let done = false;
    const settle = (deltaMicro: number) => {
      if (deltaMicro === 0) return;
      const p = shared.store.adjust(key, deltaMicro, ttlMs).catch((err) => this.sharedUnavailable('settle', err)).finally(() => this.settling.delete(p));
      this.settling.add(p);
    };
    return {
      release: (bookedUsd = 0) => {
        if (done) return;
        done = true;
        this.reservedUsd = Math.max(0, this.reservedUsd - estimate);
        settle(toMicro(bookedUsd) - micro);
      },
      keep: (bookedUsd = 0) => {
        if (done) return;
        done = true;
        settle(toMicro(bookedUsd));
      },
    };
  }

  /** Resolves once every settle sent to the shared cap has been answered (or failed). */
  async settled(): Promise<void> {
    while (this.settling.size) await Promise.all([...this.settling]);
  }

  private sharedUnavailable(op: 'reserve' | 'settle', err: unknown): void {
    runpodMetrics.spendCapFallback.inc({ op });
    this.sharedDownUntil = Date.now() + (this.opts.shared?.retryAfterMs ?? 5000);
    if (this.sharedDownLogged) return;
    this.sharedDownLogged = true;
    // The error's message only: a Redis URL (and its password) never reaches the log.
    this.opts.shared?.logger?.warn({ op, err: (err as Error).message }, 'shared spend cap unreachable on Redis: checking calls against this process\'s own cap until it answers');
  }

  /**
   * Book one finished job (any final status that ran: RunPod bills the time). Real endpoints: executionTime +
   * overhead. With `modelled` (the job ran on the local emulator's CPU models, whose executionTime is CPU time):
   * the GPU timing model's seconds for the job's items on `modelled.gpu` + overhead instead.
   */
  record(model: ModelName, endpointId: string, jobId: string, executionTimeMs: number, streamId?: string, modelled?: ModelledJob): CostRecord {
    const execS = Math.max(0, executionTimeMs) / 1000;
    let bookedS = execS;
    let detail: CostRecord['modelled'];
    if (modelled) {
      const items: CallItems = modelled.input !== undefined ? itemsOf(model, modelled.input, modelled.output) : itemsOfOutput(model, modelled.output);
      const row = timingFor(model, modelled.gpu);
      const ms = modelledMs(row.timing, items);
      bookedS = ms / 1000;
      detail = { gpu: row.gpu, items: items.items, outputTokens: items.outputTokens, ms };
      this.modelledGpu.set(model, row.gpu);
    }
    const gpuSeconds = bookedS + this.opts.overheadSecondsPerCall;
    const usd = gpuSeconds * this.opts.pricePerSecond[model];
    const add = (t: CostTotals) => {
      t.calls++;
      t.executionSeconds += execS;
      t.gpuSeconds += gpuSeconds;
      if (detail) t.modelledCalls++;
      t.usd += usd;
    };
    add(this.total);
    add(this.getOrInit(this.byModel, model));
    if (streamId) add(this.getOrInit(this.byStream, streamId));
    const prev = this.meanExec.get(model);
    this.meanExec.set(model, prev === undefined ? bookedS : prev * 0.8 + bookedS * 0.2);
    const rec: CostRecord = { model, streamId, endpointId, jobId, executionTimeMs, gpuSeconds, usd, ...(detail ? { modelled: detail } : {}) };
    this.emit('cost', rec);
    return rec;
  }

  snapshot(): CostSnapshot {
    const clone = (t: CostTotals) => ({ ...t });
    const t = this.total;
    const basis: CostBasis = t.calls === 0 ? 'none' : t.modelledCalls === 0 ? 'billed' : t.modelledCalls === t.calls ? 'modelled' : 'mixed';
    const overhead = this.opts.overheadSecondsPerCall;
    const billedNote =
      `executionTime × GPU price per second, plus ${overhead} s per call for cold start/idle time that RunPod bills but ` +
      'executionTime omits; the real bill can be higher.';
    const modelledNote =
      'local CPU models ran these calls, so their executionTime is CPU time and is not booked: GPU seconds are modelled per call ' +
      '(base + per-item time per GPU type, src/runpod/gpu-timing.ts, fitted to the handler READMEs\' latency estimates, not measured) ' +
      `× GPU price per second, plus ${overhead} s per call for cold start/idle time. An estimate of what RunPod would bill, not a measurement.`;
    return {
      total: clone(t),
      byModel: Object.fromEntries([...this.byModel].map(([k, v]) => [k, clone(v)])),
      byStream: Object.fromEntries([...this.byStream].map(([k, v]) => [k, clone(v)])),
      spendCapUsd: this.opts.spendCapUsd,
      basis,
      modelledGpu: Object.fromEntries(this.modelledGpu),
      note: basis === 'modelled' ? `Estimate: ${modelledNote}` : basis === 'mixed' ? `Estimate: billed calls: ${billedNote} Modelled calls: ${modelledNote}` : `Estimate from RunPod ${billedNote}`,
    };
  }

  private getOrInit<K>(m: Map<K, CostTotals>, k: K): CostTotals {
    let t = m.get(k);
    if (!t) m.set(k, (t = empty()));
    return t;
  }
}
