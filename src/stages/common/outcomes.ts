/**
 * How a stage records a call and a skipped item: the endpoint_calls row (with the call's billing) and the
 * skip row's reason, read from the error's `kind` (decided where the error was created), never from its text.
 */
import { randomUUID } from 'node:crypto';
import { errorKind, type ErrorKind } from '../../errors';
import type { Billing } from '../../runpod/inference';
import type { EndpointCallRow } from '../../store';

/** Why a frame or window was not analysed (skips.reason). */
export type SkipReason = 'endpoint_error' | 'breaker_open' | 'spend_cap' | 'queue_full' | 'fps_adapted' | 'invalid_reply' | 'shutdown' | 'bad_message' | 'poison' | 'trimmed';

const REASON_BY_KIND: Partial<Record<ErrorKind, SkipReason>> = {
  breaker_open: 'breaker_open',
  spend_cap: 'spend_cap',
  aborted: 'shutdown',
  bad_reply: 'invalid_reply',
};

export function skipReason(err: unknown): { reason: SkipReason; detail: string } {
  return { reason: REASON_BY_KIND[errorKind(err)] ?? 'endpoint_error', detail: truncate(err instanceof Error ? err.message : String(err)) };
}

export interface CallOutcome {
  streamId: string;
  endpoint: string;
  /** Media time of the first item of the call. */
  ptsUs: number;
  ok: boolean;
  ms: number;
  error?: string;
  billing?: Billing;
}

export function endpointCallRow(c: CallOutcome): EndpointCallRow {
  return {
    streamId: c.streamId, ts: Date.now(), ptsUs: c.ptsUs,
    // A call served from the content cache has no job id: a random id keeps the row, unbilled.
    callId: c.billing?.callId ?? `local-${randomUUID()}`,
    model: c.billing?.model ?? c.endpoint, endpoint: c.endpoint, ms: c.ms,
    gpuSeconds: c.billing?.gpuSeconds ?? 0, costUsd: c.billing?.costUsd ?? 0, ok: c.ok, error: c.error ?? null,
  };
}

function truncate(s: string, max = 300): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
