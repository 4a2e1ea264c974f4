/**
 * The live feed read from Redis: one blocking XREAD loop per server over the topic keys some client wants
 * (new entries only, from the moment a key is first wanted), decoded with the topic codecs and fanned out. Streams given as
 * "all" are found in the bus registry (refreshed every few seconds). A dedicated connection: XREAD BLOCK
 * would stall every other command on a shared one.
 */
import Redis from 'ioredis';
import { childLogger } from '../../obs/logger';
import { REGISTRY_KEY, streamKey } from '../../bus/keys';
import { CODECS, type GraphTopic } from '../../topics';
import { Subscribers, serializeLive, type LiveFeed, type LiveFilter, type LiveListener } from './live-feed';

const log = childLogger({ component: 'live/redis' });
const BLOCK_MS = 500;
const REGISTRY_REFRESH_MS = 3000;

export class RedisLiveFeed implements LiveFeed {
  readonly kind = 'redis' as const;
  private readonly subs = new Subscribers();
  private readonly redis: Redis;
  /** Last id read per key ('$' until the first read returns). */
  private readonly lastIds = new Map<string, string>();
  private registry: string[] = [];
  private registryAt = 0;
  private closed = false;
  private readonly loop: Promise<void>;

  constructor(redisUrl: string, private readonly prefix = '') {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.redis.on('error', (err) => log.warn({ err: err.message }, 'live feed: Redis error'));
    this.loop = this.run();
  }

  subscribe(filter: LiveFilter, listener: LiveListener): () => void {
    return this.subs.add(filter, listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.redis.disconnect();
    await this.loop.catch(() => undefined);
  }

  private async keys(): Promise<{ key: string; topic: GraphTopic }[]> {
    const wanted = this.subs.wanted();
    if (wanted.some((w) => w.streams === null) && Date.now() - this.registryAt > REGISTRY_REFRESH_MS) {
      this.registry = await this.redis.smembers(this.prefix + REGISTRY_KEY);
      this.registryAt = Date.now();
    }
    const out = new Map<string, GraphTopic>();
    for (const w of wanted) for (const id of w.streams ?? this.registry) out.set(streamKey(w.topic, id), w.topic);
    // Keys nobody wants any more are forgotten (a later subscriber starts from new entries again).
    for (const k of this.lastIds.keys()) if (!out.has(k)) this.lastIds.delete(k);
    return [...out].map(([key, topic]) => ({ key, topic }));
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        const keys = await this.keys();
        if (keys.length === 0) { await sleep(100); continue; }
        // A new key starts after its current last entry (a concrete id, not '$': nothing published between
        // two reads can fall into a gap).
        await this.pinLastIds(keys.map((k) => k.key));
        const ids = keys.map((k) => this.lastIds.get(k.key) as string);
        const res = (await this.redis.xreadBuffer('COUNT', 500, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys.map((k) => this.prefix + k.key), ...ids)) as [Buffer, [Buffer, Buffer[]][]][] | null;
        if (!res) continue;
        const topicOf = new Map(keys.map((k) => [k.key, k.topic]));
        for (const [rawKey, entries] of res) {
          const key = rawKey.toString().slice(this.prefix.length);
          const topic = topicOf.get(key);
          if (!topic) continue;
          for (const [rawId, flat] of entries) {
            const id = rawId.toString();
            this.lastIds.set(key, id);
            const fields: Record<string, Buffer> = {};
            for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i].toString()] = flat[i + 1];
            try {
              const msg = CODECS[topic].decode({ id, key, fields });
              this.subs.deliver(serializeLive(topic, msg as never));
            } catch (err) {
              log.warn({ key, id, err: (err as Error).message }, 'live feed: undecodable entry skipped');
            }
          }
        }
      } catch (err) {
        if (this.closed) return;
        log.warn({ err: (err as Error).message }, 'live feed: read failed; retrying');
        await sleep(500);
      }
    }
  }

  private async pinLastIds(keys: string[]): Promise<void> {
    for (const key of keys) {
      if (this.lastIds.has(key)) continue;
      const last = (await this.redis.xrevrange(this.prefix + key, '+', '-', 'COUNT', 1)) as [string, string[]][];
      this.lastIds.set(key, last[0]?.[0] ?? '0-0');
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
