import type Redis from 'ioredis';
import type { LeaseBackend } from './lease';

// Compare-and-extend / compare-and-delete: only the token's owner may touch the key.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class RedisLeaseBackend implements LeaseBackend {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async acquire(name: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.prefix + name, token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async renew(name: string, token: string, ttlMs: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.prefix + name, token, String(ttlMs))) === 1;
  }

  async release(name: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + name, token);
  }
}
