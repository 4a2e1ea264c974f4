import { EventEmitter } from 'node:events';
import type { ModelName } from './contracts';
import { RunpodSpendCapError } from './errors';

export interface CostMeterOptions {
  /** USD per GPU second, per model (from the endpoint's GPU). */
  pricePerSecond: Record<ModelName, number>;
  /** Billed seconds per call that executionTime does not show (cold start, idle timeout). */
  overheadSecondsPerCall: number;
  spendCapUsd?: number;
}

export interface CostTotals {
  calls: number;
  executionSeconds: number;
  /** executionSeconds + calls × overhead: what is billed at least. */
  gpuSeconds: number;
  usd: number;
}

export interface CostSnapshot {
  total: CostTotals;
  byModel: Partial<Record<ModelName, CostTotals>>;
  byStream: Record<string, CostTotals>;
  spendCapUsd?: number;
  /** Plain-language caveat printed with every cost figure. */
  note: string;
}

export interface CostRecord {
  model: ModelName;
  streamId?: string;
  endpointId: string;
  jobId: string;
  executionTimeMs: number;
  gpuSeconds: number;
  usd: number;
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

const empty = (): CostTotals => ({ calls: 0, executionSeconds: 0, gpuSeconds: 0, usd: 0 });

/**
 * GPU seconds × the endpoint GPU's price per second, plus a per-call overhead, per stream, per model and in
 * total. A spend cap refuses (before submitting) any call whose estimate would cross it, counting the
 * estimates of calls still in flight, and emits 'spend-cap'. Emits 'cost' with each CostRecord.
 */
export class CostMeter extends EventEmitter {
  private readonly total = empty();
  private readonly byModel = new Map<ModelName, CostTotals>();
  private readonly byStream = new Map<string, CostTotals>();
  /** Running mean execution seconds per model: the estimate for the next call. */
  private readonly meanExec = new Map<ModelName, number>();
  private reservedUsd = 0;

  constructor(private readonly opts: CostMeterOptions) {
    super();
  }

  estimateUsd(model: ModelName): number {
    return ((this.meanExec.get(model) ?? 0) + this.opts.overheadSecondsPerCall) * this.opts.pricePerSecond[model];
  }

  /** Reserve the estimate of one call; throws RunpodSpendCapError when it would cross the cap. Returns a release. */
  reserve(model: ModelName, streamId?: string): () => void {
    const estimate = this.estimateUsd(model);
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
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reservedUsd = Math.max(0, this.reservedUsd - estimate);
    };
  }

  /** Book one finished job (any final status that ran: RunPod bills the time). */
  record(model: ModelName, endpointId: string, jobId: string, executionTimeMs: number, streamId?: string): CostRecord {
    const execS = Math.max(0, executionTimeMs) / 1000;
    const gpuSeconds = execS + this.opts.overheadSecondsPerCall;
    const usd = gpuSeconds * this.opts.pricePerSecond[model];
    const add = (t: CostTotals) => {
      t.calls++;
      t.executionSeconds += execS;
      t.gpuSeconds += gpuSeconds;
      t.usd += usd;
    };
    add(this.total);
    add(this.getOrInit(this.byModel, model));
    if (streamId) add(this.getOrInit(this.byStream, streamId));
    const prev = this.meanExec.get(model);
    this.meanExec.set(model, prev === undefined ? execS : prev * 0.8 + execS * 0.2);
    const rec: CostRecord = { model, streamId, endpointId, jobId, executionTimeMs, gpuSeconds, usd };
    this.emit('cost', rec);
    return rec;
  }

  snapshot(): CostSnapshot {
    const clone = (t: CostTotals) => ({ ...t });
    return {
      total: clone(this.total),
      byModel: Object.fromEntries([...this.byModel].map(([k, v]) => [k, clone(v)])),
      byStream: Object.fromEntries([...this.byStream].map(([k, v]) => [k, clone(v)])),
      spendCapUsd: this.opts.spendCapUsd,
      note:
        `Estimate from RunPod executionTime × GPU price per second, plus ${this.opts.overheadSecondsPerCall} s per call for cold start/idle time ` +
        'that RunPod bills but executionTime omits; the real bill can be higher.',
    };
  }

  private getOrInit<K>(m: Map<K, CostTotals>, k: K): CostTotals {
    let t = m.get(k);
    if (!t) m.set(k, (t = empty()));
    return t;
  }
}
