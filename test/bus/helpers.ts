import crypto from 'node:crypto';
import Redis from 'ioredis';
import { requireRedis } from '../helpers/services';

export const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(20);
  }
}

/** A raw client plus a unique key prefix; cleanup() deletes every key under the prefix. */
export async function redisFixture(): Promise<{ redis: Redis; prefix: string; cleanup(): Promise<void> }> {
  const url = await requireRedis();
  const redis = new Redis(url);
  const prefix = `t:bus:${crypto.randomBytes(4).toString('hex')}:`;
  return {
    redis,
    prefix,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}
