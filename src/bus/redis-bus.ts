import Redis from 'ioredis';
import { childLogger } from '../obs/logger';
import { REGISTRY_KEY, assertStreamId, parseStreamKey } from './keys';
import { BackendLeaseManager } from './lease';
import { busMessages } from './metrics';
import { RedisConsumer } from './redis-consumer';
import { RedisLeaseBackend } from './redis-lease-backend';
import { SharedReader } from './shared-reader';
import type { Bus, BusFields, ConsumeOptions, Consumer, LeaseManager, PublishOptions } from './types';

const log = childLogger({ module: 'bus/redis' });

export interface RedisBusOptions {
  /** Prepended to every key (tests, or several deployments on one Redis). Default ''. */
  prefix?: string;
  /** Default approximate cap per stream (XADD MAXLEN ~). */
  maxLen?: number;
}

/** Redis Streams: XADD MAXLEN ~, consumer groups, XAUTOCLAIM, leases, a `streams` set for discovery. */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  readonly leases: LeaseManager;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly maxLen: number;
  private readonly registered = new Set<string>();
  private readonly consumers = new Set<Consumer>();
  /** One blocking connection per (group, consumer name), shared by every consumer with that identity. */
  private readonly readers = new Map<string, SharedReader>();

  constructor(redis: string | Redis, opts: RedisBusOptions = {}) {
    this.redis = typeof redis === 'string' ? new Redis(redis, { maxRetriesPerRequest: 3, lazyConnect: false }) : redis;
    this.redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
    this.prefix = opts.prefix ?? '';
    this.maxLen = opts.maxLen ?? 10_000;
    this.leases = new BackendLeaseManager(new RedisLeaseBackend(this.redis, this.prefix));
  }

  async publish(key: string, fields: BusFields, opts: PublishOptions = {}): Promise<string> {
    const parsed = parseStreamKey(key);
    if (parsed && !this.registered.has(parsed.streamId)) await this.registerStream(parsed.streamId);
    const flat: (string | Buffer)[] = [];
    for (const [k, v] of Object.entries(fields)) flat.push(k, Buffer.isBuffer(v) ? v : String(v));
    const id = await this.redis.call('XADD', this.prefix + key, 'MAXLEN', '~', String(opts.maxLen ?? this.maxLen), '*', ...flat);
    busMessages.labels('', 'published').inc();
    return String(id);
  }

  async registerStream(streamId: string): Promise<void> {
    assertStreamId(streamId);
    await this.redis.sadd(this.prefix + REGISTRY_KEY, streamId);
    this.registered.add(streamId);
  }

  async streams(): Promise<string[]> {
    return (await this.redis.smembers(this.prefix + REGISTRY_KEY)).sort();
  }

  consume(opts: ConsumeOptions): Consumer {
    const id = `${opts.group}\u0000${opts.consumer}`;
    let reader = this.readers.get(id);
    if (!reader) this.readers.set(id, (reader = new SharedReader(this.redis, opts.group, opts.consumer)));
    const c = new RedisConsumer(this.redis, reader, this.prefix, opts, REGISTRY_KEY);
    this.consumers.add(c);
    const stop = c.stop.bind(c);
    const abort = c.abort.bind(c);
    c.stop = async () => { this.consumers.delete(c); await stop(); };
    // An aborted consumer may be stuck in its handler for good: close() must not wait for it.
    c.abort = () => { this.consumers.delete(c); abort(); };
    return c;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
