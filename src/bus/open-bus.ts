import { MemoryBus, type MemoryBusOptions } from './memory-bus';
import { RedisBus, type RedisBusOptions } from './redis-bus';
import type { Bus } from './types';
import { secretEnv } from '../config/secret-env';

export interface OpenBusOptions extends RedisBusOptions, MemoryBusOptions {
  /** Default REDIS_URL (or the file in REDIS_URL_FILE); without one, the in-process bus. */
  redisUrl?: string;
}

/** Redis Streams when REDIS_URL (or redisUrl) is set, else the embedded in-process bus. */
export function openBus(opts: OpenBusOptions = {}): Bus {
  const url = opts.redisUrl ?? secretEnv('REDIS_URL');
  return url ? new RedisBus(url, opts) : new MemoryBus(opts);
}
