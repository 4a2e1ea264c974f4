import Redis from 'ioredis';
import { Script } from '../bus/scripts';

/**
 * The spend cap's counter shared by every process on one Redis: integer micro-dollars (no float drift across
 * thousands of INCRBYs) for the current window, held by calls in flight plus booked by calls that finished.
 * One script checks and reserves, so two processes cannot both pass a check that only one of them fits.
 */
export interface SharedSpendStore {
  /** Add `micro` unless the total would pass `capMicro` (or already reached it). Rejects when the store is unreachable. */
  reserve(key: string, micro: number, capMicro: number, ttlMs: number): Promise<{ ok: boolean; totalMicro: number }>;
  /** Add `deltaMicro` (settle: actual − reserved; release: − reserved). Returns the new total. */
  adjust(key: string, deltaMicro: number, ttlMs: number): Promise<number>;
  close(): Promise<void>;
}

// KEYS[1] the window's counter; ARGV micro, cap, ttl ms. "Strictly over" as the local cap: reaching it exactly is allowed.
const RESERVE = new Script(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local est = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
if cur >= cap or cur + est > cap then return {0, cur} end
local n = redis.call('INCRBY', KEYS[1], est)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, n}
`);

// A settle after the window's key expired would recreate it with a negative total: floor at zero instead.
const ADJUST = new Script(`
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n < 0 then redis.call('SET', KEYS[1], 0) n = 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n
`);

/** USD → micro-dollars, rounded up (a fraction of a micro-dollar held too much, never too little). */
export function toMicro(usd: number): number {
  return Math.max(0, Math.ceil(usd * 1e6 - 1e-6));
}

/**
 * The counter of the window `now` falls in: windows of `windowS` seconds aligned on the Unix epoch (the default
 * 86 400 s is the UTC day). The hash tag keeps every key of a window in one Cluster slot.
 */
export function spendWindowKey(prefix: string, windowS: number, now = Date.now()): string {
  const start = Math.floor(now / 1000 / windowS) * windowS;
  return `${prefix}:{${start}}`;
}

export class RedisSpendStore implements SharedSpendStore {
  private readonly redis: Redis;

  constructor(url: string) {
    // Fail fast while Redis is away (no offline queue, one try, short connect timeout): the caller falls back to the
    // local cap rather than holding a model call for ioredis's reconnect loop.
    this.redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: (n) => Math.min(n * 200, 2000) });
    // Connection errors surface on the commands; the event would otherwise be an unhandled 'error'.
    this.redis.on('error', () => undefined);
    this.redis.connect().catch(() => undefined);
  }

  private readyWait?: Promise<void>;

  /** Wait (bounded) for the connection: without an offline queue a command sent while connecting fails at once. */
  private ready(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    // One wait shared by every caller of the moment (64 concurrent reserves are one listener, not 64).
    this.readyWait ??= new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => { this.redis.off('ready', ok); reject(new Error('spend cap store: Redis not ready within 1 s')); }, 1000);
      const ok = () => { clearTimeout(t); resolve(); };
      this.redis.once('ready', ok);
    }).finally(() => { this.readyWait = undefined; });
    return this.readyWait;
  }

  async reserve(key: string, micro: number, capMicro: number, ttlMs: number): Promise<{ ok: boolean; totalMicro: number }> {
    await this.ready();
    const [ok, total] = (await RESERVE.run(this.redis, [key], [micro, capMicro, ttlMs])) as [number, number];
    return { ok: ok === 1, totalMicro: Number(total) };
  }

  async adjust(key: string, deltaMicro: number, ttlMs: number): Promise<number> {
    await this.ready();
    return Number(await ADJUST.run(this.redis, [key], [deltaMicro, ttlMs]));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
