/** Capped exponential backoff with jitter, so many cameras dropping at once do not reconnect in lockstep. */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** 0..1: the share of each delay that is randomised (0.5 = "equal jitter"). */
  jitter: number;
}

/**
 * A camera back from an outage is picked up within maxDelayMs (+ one connect): 4 s keeps that under the
 * 5 s the restart drill asks for, whatever the jitter, at one connection attempt per 2-4 s per camera.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 250, maxDelayMs: 4_000, jitter: 0.5 };

/** Delay before reconnect attempt `attempt` (0-based). `random` is injectable for tests. */
export function backoffDelayMs(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** Math.min(attempt, 30));
  const fixed = exp * (1 - opts.jitter);
  return Math.round(fixed + random() * exp * opts.jitter);
}
