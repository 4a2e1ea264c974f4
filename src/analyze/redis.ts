/** Redis side of analyze/worker: the Redis bus (checked reachable up front) and a small state store. */
import Redis from 'ioredis';
import { VideoAgentError } from '../errors';
import { RedisBus, fencedSet, type Bus } from '../bus';
import type { StateStore } from './stage-worker';

/** Handed-over stage state outlives any pause of a stream, not the stream's whole history. */
const STATE_TTL_S = 7 * 24 * 3600;

export interface RedisConnection { bus: Bus; state: StateStore; close(): Promise<void> }

/** Connects to Redis or fails with one clear line (the URL's password is never printed). */
export async function openRedis(redisUrl: string, opts: { prefix?: string } = {}): Promise<RedisConnection> {
  // A short-lived probe fails fast; the long-lived connection then keeps ioredis' default reconnects.
  const probe = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5000, lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new VideoAgentError('E_REDIS_UNREACHABLE', `cannot reach Redis at ${safeUrl(redisUrl)}: ${(err as Error).message}`, { kind: 'unreachable' });
  } finally {
    probe.disconnect();
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const prefix = opts.prefix ?? '';
  const bus = new RedisBus(redis, { prefix });
  const state: StateStore = {
    get: (k) => redis.get(prefix + k),
    set: async (k, v) => { await redis.set(prefix + k, v, 'EX', STATE_TTL_S); },
    setFenced: (k, v, fence) => fencedSet(redis, prefix, fence, k, v, STATE_TTL_S),
  };
  return { bus, state, close: () => bus.close() };
}

/** Null when no Redis URL is given (analyze then uses only the in-process bus). */
export async function openResultPublisher(redisUrl: string | undefined): Promise<RedisConnection | null> {
  return redisUrl ? openRedis(redisUrl) : null;
}

function safeUrl(u: string): string {
  try {
    const url = new URL(u);
    url.password = '';
    url.username = '';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}
