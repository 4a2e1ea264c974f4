import crypto from 'node:crypto';
import Redis from 'ioredis';
import { RedisBus } from '../../src/bus/redis-bus';
import { TEST_REDIS_URL, requireRedis } from '../helpers/services';
import { deleteKeysWithPrefix } from '../../src/bus/purge';

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
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    },
  };
}

export type RedisFixture = Awaited<ReturnType<typeof redisFixture>>;

/**
 * Mocha hooks for a RedisBus under a unique key prefix: `onReady` receives it before each test; after each,
 * everything in `stoppables` is stopped, the bus closed and the prefix's keys deleted.
 */
export function useRedisBus(onReady: (bus: RedisBus, fx: RedisFixture) => void, stoppables: { stop(): Promise<void> }[]): void {
  let bus: RedisBus;
  let fx: RedisFixture;
  beforeEach(async () => {
    fx = await redisFixture();
    bus = new RedisBus(TEST_REDIS_URL, { prefix: fx.prefix });
    onReady(bus, fx);
  });
  afterEach(async () => {
    for (const s of stoppables.splice(0)) await s.stop();
    await bus.close();
    await fx.cleanup();
  });
}
