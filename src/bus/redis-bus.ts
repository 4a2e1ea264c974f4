import { VideoAgentError } from '../errors';
import Redis from 'ioredis';
import { childLogger } from '../obs/logger';
import { REGISTRY_KEY, TOPICS, assertStreamId, parseStreamKey, streamKey } from './keys';
import { ENDED_SET_KEY, LastIds, compareIds, endedKey, parseStreamEnd } from './stream-end';
import { BackendLeaseManager } from './lease';
import { busMessages } from './metrics';
import { RedisConsumer } from './redis-consumer';
import { RedisLeaseBackend } from './redis-lease-backend';
import { SharedReader } from './shared-reader';
import type { Bus, BusFields, ConsumeOptions, Consumer, LeaseManager, PublishOptions, StreamEnd } from './types';

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
  private readonly lastIds = new LastIds();
  private readonly consumers = new Set<Consumer>();
  /** One blocking connection per (group, consumer name), shared by every consumer with that identity. */
  private readonly readers = new Map<string, SharedReader>();

  constructor(redis: string | Redis, opts: RedisBusOptions = {}) {
    this.redis = typeof redis === 'string' ? new Redis(redis, { maxRetriesPerRequest: 3, lazyConnect: false }) : redis;
    this.redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
    this.prefix = opts.prefix ?? '';
    // A brace in the prefix would become every key's hash tag (one Cluster slot for everything, src/bus/keys.ts).
    if (/[{}]/.test(this.prefix)) throw new VideoAgentError('E_CONFIG', `bus key prefix "${this.prefix}" must not contain braces (Redis Cluster hash tags)`, { kind: 'config' });
    this.maxLen = opts.maxLen ?? 10_000;
    this.leases = new BackendLeaseManager(new RedisLeaseBackend(this.redis, this.prefix));
  }

  async publish(key: string, fields: BusFields, opts: PublishOptions = {}): Promise<string> {
    const parsed = parseStreamKey(key);
    if (parsed && !this.registered.has(parsed.streamId)) await this.registerStream(parsed.streamId);
    const flat: (string | Buffer)[] = [];
    for (const [k, v] of Object.entries(fields)) flat.push(k, Buffer.isBuffer(v) ? v : String(v));
    let id: unknown;
    try {
      id = await this.redis.call('XADD', this.prefix + key, 'MAXLEN', '~', String(opts.maxLen ?? this.maxLen), '*', ...flat);
    } catch (err) {
      // Decided here, once: Redis not answering is an outage (retry later), not a problem with the entry.
      throw new VideoAgentError('E_REDIS_UNAVAILABLE', `publish to ${key} failed: ${(err as Error).message}`, { kind: 'unreachable', retryable: true, cause: err });
    }
    busMessages.labels('', 'published').inc();
    if (parsed) this.lastIds.note(parsed.streamId, key, String(id));
    return String(id);
  }

  async endStream(streamId: string, opts: { remote?: string[]; doneStage?: string } = {}): Promise<void> {
    assertStreamId(streamId);
    const now = Date.now();
    const fields: Record<string, string> = this.lastIds.take(streamId);
    if (opts.remote) fields.remote = opts.remote.join(',');
    if (opts.doneStage) fields[`done:${opts.doneStage}`] = String(now);
    const hash = this.prefix + endedKey(streamId);
    const m = this.redis.multi();
    if (Object.keys(fields).length) m.hset(hash, fields);
    // The first marker's time stands: a stage finishing later does not push back the retention.
    m.hsetnx(hash, 'at', String(now));
    m.zadd(this.prefix + ENDED_SET_KEY, 'NX', String(now), streamId);
    await m.exec();
  }

  async streamEnd(streamId: string): Promise<StreamEnd | null> {
    return parseStreamEnd(await this.redis.hgetall(this.prefix + endedKey(streamId)));
  }

  async endedStreams(): Promise<string[]> {
    return (await this.redis.zrange(this.prefix + ENDED_SET_KEY, '0', '-1')).sort();
  }

  async consumedThrough(group: string, key: string, lastId: string): Promise<boolean> {
    let groups: unknown[];
    try {
      groups = (await this.redis.call('XINFO', 'GROUPS', this.prefix + key)) as unknown[];
    } catch {
      return false; // no such key yet
    }
    for (const g of groups as unknown[][]) {
      const t: Record<string, unknown> = {};
      for (let i = 0; i + 1 < g.length; i += 2) t[String(g[i])] = g[i + 1];
      if (t.name !== group) continue;
      return compareIds(String(t['last-delivered-id']), lastId) >= 0 && Number(t.pending) === 0;
    }
    return false;
  }

  async pruneEnded(retentionMs: number): Promise<string[]> {
    const ids = await this.redis.zrangebyscore(this.prefix + ENDED_SET_KEY, '-inf', Date.now() - retentionMs);
    for (const id of ids) {
      const m = this.redis.multi();
      m.srem(this.prefix + REGISTRY_KEY, id);
      m.del(this.prefix + endedKey(id), ...TOPICS.map((t) => this.prefix + streamKey(t, id)));
      m.zrem(this.prefix + ENDED_SET_KEY, id);
      await m.exec();
      this.registered.delete(id);
      log.info({ streamId: id }, 'ended stream pruned from the registry');
    }
    return ids;
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
