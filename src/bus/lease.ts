import crypto from 'node:crypto';
import { VideoAgentError } from '../errors';
import { childLogger } from '../obs/logger';
import type { Lease, LeaseManager, LeaseOptions } from './types';

const log = childLogger({ module: 'bus/lease' });

/** The atomic operations a lease store provides (Redis: Lua SET NX PX + INCR, compare-and-extend/delete). */
export interface LeaseBackend {
  /** The new fencing token (> 0, one more than the last acquisition's) when acquired, 0 when held by another. */
  acquire(name: string, token: string, ttlMs: number): Promise<number>;
  /** The fencing token of the latest acquisition (0 = never). */
  currentFence(name: string): Promise<number>;
  /** Extends only if `token` still holds it; false = lost. */
  renew(name: string, token: string, ttlMs: number): Promise<boolean>;
  /** Deletes only if `token` still holds it. */
  release(name: string, token: string): Promise<void>;
}

/**
 * A held lease renewing itself every ttl/3. Lost when a renewal finds another token, or when renewals
 * have failed (store unreachable) for a whole TTL: past that point another worker may legitimately hold
 * it, so the stage must stop its stateful work.
 */
class RenewingLease implements Lease {
  private timer: NodeJS.Timeout | null = null;
  private lostCbs: (() => void)[] = [];
  private lastOk = Date.now();
  private state: 'held' | 'lost' | 'released' = 'held';

  constructor(readonly name: string, private readonly token: string, readonly fence: number, private readonly ttlMs: number, private readonly backend: LeaseBackend) {
    this.schedule();
  }

  get held(): boolean {
    return this.state === 'held';
  }

  onLost(cb: () => void): void {
    if (this.state === 'lost') queueMicrotask(cb);
    else this.lostCbs.push(cb);
  }

  async release(): Promise<void> {
    if (this.state !== 'held') return;
    this.state = 'released';
    this.clear();
    await this.backend.release(this.name, this.token);
  }

  abandon(): void {
    this.clear();
    if (this.state === 'held') this.state = 'released';
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.renew(), Math.max(10, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    this.timer = null;
    if (this.state !== 'held') return;
    let ok: boolean | null;
    try {
      ok = await this.backend.renew(this.name, this.token, this.ttlMs);
    } catch (err) {
      log.warn({ lease: this.name, err: (err as Error).message }, 'lease renewal failed');
      ok = Date.now() - this.lastOk >= this.ttlMs ? false : null;
    }
    if (this.state !== 'held') return;
    if (ok === false) { this.lose(); return; }
    if (ok) this.lastOk = Date.now();
    this.schedule();
  }

  private lose(): void {
    this.state = 'lost';
    log.warn({ lease: this.name }, 'lease lost');
    for (const cb of this.lostCbs.splice(0)) {
      try { cb(); } catch (err) { log.error({ lease: this.name, err: (err as Error).message }, 'onLost callback threw'); }
    }
  }
}

export class BackendLeaseManager implements LeaseManager {
  constructor(private readonly backend: LeaseBackend) {}

  async tryAcquire(name: string, ttlMs: number): Promise<Lease | null> {
    if (!(ttlMs >= 30)) throw new VideoAgentError('E_BAD_CONFIG', `lease TTL must be at least 30 ms, got ${ttlMs}`);
    const token = crypto.randomUUID();
    const fence = await this.backend.acquire(name, token, ttlMs);
    return fence > 0 ? new RenewingLease(name, token, fence, ttlMs, this.backend) : null;
  }

  currentFence(name: string): Promise<number> {
    return this.backend.currentFence(name);
  }

  async acquire(name: string, opts: LeaseOptions): Promise<Lease> {
    const retryMs = opts.retryMs ?? Math.max(10, Math.floor(opts.ttlMs / 3));
    for (;;) {
      if (opts.signal?.aborted) throw new VideoAgentError('E_ABORTED', `gave up waiting for lease ${name}`);
      const lease = await this.tryAcquire(name, opts.ttlMs);
      if (lease) return lease;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, retryMs);
        function done() { clearTimeout(t); opts.signal?.removeEventListener('abort', done); resolve(); }
        opts.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}

/** In-process leases: same semantics (TTL, compare-and-extend), for the embedded single-process mode. */
export class MemoryLeaseBackend implements LeaseBackend {
  private readonly held = new Map<string, { token: string; expiresAt: number }>();
  private readonly fences = new Map<string, number>();

  async acquire(name: string, token: string, ttlMs: number): Promise<number> {
    const cur = this.held.get(name);
    if (cur && cur.expiresAt > Date.now()) return 0;
    this.held.set(name, { token, expiresAt: Date.now() + ttlMs });
    const fence = (this.fences.get(name) ?? 0) + 1;
    this.fences.set(name, fence);
    return fence;
  }

  async currentFence(name: string): Promise<number> {
    return this.fences.get(name) ?? 0;
  }

  async renew(name: string, token: string, ttlMs: number): Promise<boolean> {
    const cur = this.held.get(name);
    if (!cur || cur.token !== token || cur.expiresAt <= Date.now()) return false;
    cur.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async release(name: string, token: string): Promise<void> {
    if (this.held.get(name)?.token === token) this.held.delete(name);
  }
}
