import type Redis from 'ioredis';
import { fenceKey } from './redis-lease-backend';
import { Script } from './scripts';
import type { Fence } from './types';

/**
 * Writes that only the current lease holder may make (fencing): each script compares the caller's token
 * with the lease's fence counter and acts in the same atomic step, so a paused old holder that wakes after
 * a take-over can neither acknowledge the stream's entries nor overwrite the new holder's state.
 */
const FENCED_XACK = new Script(`if tonumber(redis.call('get', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return -1 end
return redis.call('xack', KEYS[2], ARGV[2], unpack(ARGV, 3))`);
const FENCED_SET = new Script(`if tonumber(redis.call('get', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1`);

/** XACK through the fence: the count acknowledged, or -1 when the fence refused it. */
export async function fencedXack(redis: Redis, prefix: string, fence: Fence, prefixedKey: string, group: string, ids: string[]): Promise<number> {
  return Number(await FENCED_XACK.run(redis, [prefix + fenceKey(fence.lease), prefixedKey], [String(fence.token), group, ...ids]));
}

/** SET key value EX ttl through the fence; false when a newer holder's fence refused it. */
export async function fencedSet(redis: Redis, prefix: string, fence: Fence, key: string, value: string, ttlS: number): Promise<boolean> {
  return Number(await FENCED_SET.run(redis, [prefix + fenceKey(fence.lease), prefix + key], [String(fence.token), value, String(ttlS)])) === 1;
}
