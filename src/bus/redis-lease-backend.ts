import type Redis from 'ioredis';
import type { LeaseBackend } from './lease';

/** The per-lease fencing counter (never expires: tokens must keep increasing across holders); the lease's hash tag, so its slot. */
export const fenceKey = (leaseName: string): string => `${leaseName}:fence`;

// SET NX and the fence INCR in one script: a holder's token is exactly the acquisition that gave it the lease.
const ACQUIRE = `if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return redis.call('incr', KEYS[2]) else return 0 end`;
// Compare-and-extend / compare-and-delete: only the token's owner may touch the key.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class RedisLeaseBackend implements LeaseBackend {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async acquire(name: string, token: string, ttlMs: number): Promise<number> {
    return Number(await this.redis.eval(ACQUIRE, 2, this.prefix + name, this.prefix + fenceKey(name), token, String(ttlMs)));
  }

  async currentFence(name: string): Promise<number> {
    return Number((await this.redis.get(this.prefix + fenceKey(name))) ?? 0);
  }

  async renew(name: string, token: string, ttlMs: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.prefix + name, token, String(ttlMs))) === 1;
  }

  async release(name: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + name, token);
  }
}
