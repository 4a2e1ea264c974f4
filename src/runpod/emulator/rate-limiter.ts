/**
 * Fixed-window request counter per (op) like RunPod's per-endpoint limits ("N per 10 s"). Returns the
 * seconds until the window resets when a request is over the limit, for the Retry-After header.
 */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly windowMs: number, private readonly limits: Record<string, number>) {}

  /** null when allowed, else seconds to wait. */
  take(op: string, now = Date.now()): number | null {
    const limit = this.limits[op];
    if (limit === undefined) return null;
    let w = this.windows.get(op);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(op, w);
    }
    if (w.count >= limit) return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
    w.count++;
    return null;
  }
}
