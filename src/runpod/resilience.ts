import {
  BulkheadPolicy,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  RetryPolicy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
} from 'cockatiel';
import type { BreakerConfig, RetryConfig } from './config';
import { RunpodHttpError, RunpodNetworkError } from './errors';

/** Worth another attempt: no answer at all, 408, 429 and 5xx (what the official SDK retries, and more). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RunpodNetworkError) return true;
  return err instanceof RunpodHttpError && (err.status === 408 || err.status === 429 || err.status >= 500);
}

/** A sign the endpoint itself is failing (429 only means "slow down", so it does not open the circuit). */
export function isEndpointFailure(err: unknown): boolean {
  if (err instanceof RunpodNetworkError) return true;
  return err instanceof RunpodHttpError && (err.status === 408 || err.status >= 500);
}

/**
 * Exponential backoff with equal jitter (half fixed, half random) so retries from many streams spread out;
 * a Retry-After from the server wins (capped at a minute).
 */
export function backoffDelayMs(attempt: number, cfg: RetryConfig, err: unknown, rand = Math.random): number {
  const retryAfter = err instanceof RunpodHttpError ? err.retryAfterMs : undefined;
  if (retryAfter !== undefined) return Math.min(60_000, retryAfter) + rand() * Math.min(100, retryAfter * 0.1);
  const expo = Math.min(cfg.maxDelayMs, cfg.initialDelayMs * 2 ** (attempt - 1));
  return expo / 2 + (rand() * expo) / 2;
}

export interface EndpointPolicies {
  retry: RetryPolicy;
  breaker: CircuitBreakerPolicy;
  bulkhead: BulkheadPolicy;
}

/** The three policies of one endpoint id. Requests go retry → breaker → HTTP; whole jobs go through the bulkhead. */
export function createEndpointPolicies(retryCfg: RetryConfig, breakerCfg: BreakerConfig, maxInFlight: number, maxQueued: number): EndpointPolicies {
  return {
    retry: retry(handleWhen(isRetryable), {
      maxAttempts: retryCfg.maxRetries,
      backoff: new DelegateBackoff((ctx) => backoffDelayMs(ctx.attempt, retryCfg, 'error' in ctx.result ? ctx.result.error : undefined)),
    }),
    breaker: circuitBreaker(handleWhen(isEndpointFailure), {
      halfOpenAfter: breakerCfg.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(breakerCfg.consecutiveFailures),
    }),
    // Extra calls wait in line rather than fail (a stream's frames should be delayed, not dropped), but the line
    // is bounded: past it cockatiel throws BulkheadRejectedError, which the client turns into RunpodQueueFullError.
    bulkhead: bulkhead(maxInFlight, maxQueued),
  };
}

export { CircuitState };
