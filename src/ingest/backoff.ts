/** Capped exponential backoff with jitter, so many cameras dropping at once do not reconnect in lockstep. */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** 0..1: the share of each delay that is randomised (0.5 = "equal jitter"). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 250, maxDelayMs: 10_000, jitter: 0.5 };

/** Delay before reconnect attempt `attempt` (0-based). `random` is injectable for tests. */
export function backoffDelayMs(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** Math.min(attempt, 30));
  const fixed = exp * (1 - opts.jitter);
  return Math.round(fixed + random() * exp * opts.jitter);
}
