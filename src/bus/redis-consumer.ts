import type Redis from 'ioredis';
import { childLogger } from '../obs/logger';
import { streamKey } from './keys';
import { assertOneHandler } from './handlers';
import { busMessages } from './metrics';
import { parseAutoClaim, parseReadGroup, type RawEntry } from './redis-replies';
import type { ConsumeOptions, Consumer, ConsumerStats } from './types';

/**
 * One consumer-group member reading one topic's streams (or fixed keys) on its own connection (XREADGROUP
 * BLOCK holds the connection). At-least-once: an entry is XACKed only after the handler resolved; a
 * failed or crashed delivery stays pending and is claimed by a live member after `claimIdleMs`
 * (XAUTOCLAIM). On start it first re-reads its own pending entries (a restart with the same name).
 * With `batchHandler`, each read of one key (XREADGROUP, XAUTOCLAIM or own-pending page) is handed over
 * whole and XACKed in one command after the handler resolved.
 */
export class RedisConsumer implements Consumer {
  readonly stats: ConsumerStats = { handled: 0, failed: 0, claimed: 0, dropped: 0 };
  private readonly log;
  private readonly conn: Redis;
  private readonly keys = new Set<string>(); // prefixed
  private stopped = false;
  /** Set by abort(): nothing is acknowledged any more (a crashed process acknowledges nothing). */
  private aborted = false;
  private readonly loop: Promise<void>;
  private readonly o: Required<Omit<ConsumeOptions, 'topic' | 'keys' | 'handler' | 'batchHandler'>> & Pick<ConsumeOptions, 'topic' | 'keys' | 'handler' | 'batchHandler'>;

  constructor(redis: Redis, private readonly prefix: string, opts: ConsumeOptions, private readonly registryKey: string) {
    assertOneHandler(opts);
    this.o = { batch: 16, blockMs: 1000, claimIdleMs: 30_000, claimIntervalMs: 5_000, discoverIntervalMs: 2_000, maxDeliveries: 5, ...opts };
    this.log = childLogger({ module: 'bus/consumer', group: opts.group, consumer: opts.consumer });
    this.conn = redis.duplicate();
    // A broken connection is retried by ioredis; the loop logs command errors itself.
    this.conn.on('error', (err) => this.log.debug({ err: err.message }, 'redis connection error'));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.conn.disconnect();
  }

  abort(): void {
    this.stopped = true;
    this.aborted = true;
    // Cuts a blocked XREADGROUP short; the loop then sees `stopped` and ends.
    this.conn.disconnect();
    void this.loop.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let lastDiscover = 0;
    let lastClaim = 0;
    let ownPendingDone = false;
    while (!this.stopped) {
      try {
        const now = Date.now();
        if (now - lastDiscover >= this.o.discoverIntervalMs) { await this.discover(); lastDiscover = now; }
        if (this.keys.size === 0) { await sleep(Math.min(this.o.discoverIntervalMs, 200)); lastDiscover = 0; continue; }
        if (!ownPendingDone) { await this.readOwnPending(); ownPendingDone = true; }
        if (now - lastClaim >= this.o.claimIntervalMs) { await this.claim(); lastClaim = now; }
        await this.read('>');
      } catch (err) {
        if (this.stopped) break;
        if (/NOGROUP/.test((err as Error).message)) { this.keys.clear(); lastDiscover = 0; } // stream deleted: recreate
        this.log.warn({ err: (err as Error).message }, 'consumer loop error; retrying');
        await sleep(500);
      }
    }
  }

  private async discover(): Promise<void> {
    const keys = this.o.topic
      ? (await this.conn.smembers(this.prefix + this.registryKey)).map((id) => `${this.prefix}${streamKey(this.o.topic as NonNullable<typeof this.o.topic>, id)}`)
      : (this.o.keys ?? []).map((k) => this.prefix + k);
    for (const key of keys) {
      if (this.keys.has(key)) continue;
      try {
        // From id 0: entries published before this group existed are processed too.
        await this.conn.xgroup('CREATE', key, this.o.group, '0', 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      }
      this.keys.add(key);
    }
  }

  /** New entries ('>'), or this consumer's own pending history after an id (restart recovery). */
  private async read(from: string, keys = [...this.keys]): Promise<number> {
    const args: (string | number)[] = ['GROUP', this.o.group, this.o.consumer, 'COUNT', this.o.batch];
    if (from === '>') args.push('BLOCK', this.o.blockMs);
    args.push('STREAMS', ...keys, ...keys.map(() => from));
    const reply = await this.conn.callBuffer('XREADGROUP', ...args);
    let n = 0;
    for (const { key, entries } of parseReadGroup(reply)) {
      await this.dispatch(key, entries);
      n += entries.length;
    }
    return n;
  }

  private async readOwnPending(): Promise<void> {
    for (const key of this.keys) {
      let after = '0';
      for (;;) {
        const reply = parseReadGroup(await this.conn.callBuffer('XREADGROUP', 'GROUP', this.o.group, this.o.consumer, 'COUNT', this.o.batch, 'STREAMS', key, after));
        const entries = reply[0]?.entries ?? [];
        if (entries.length === 0 || this.stopped) break;
        await this.dispatch(key, entries);
        after = entries[entries.length - 1].id;
      }
    }
  }

  private async claim(): Promise<void> {
    for (const key of this.keys) {
      let start = '0-0';
      // Bounded passes so one huge backlog cannot starve new entries.
      for (let pass = 0; pass < 10 && !this.stopped; pass++) {
        const r = parseAutoClaim(await this.conn.callBuffer('XAUTOCLAIM', key, this.o.group, this.o.consumer, this.o.claimIdleMs, start, 'COUNT', this.o.batch));
        if (r.entries.length) {
          this.stats.claimed += r.entries.length;
          this.log.info({ key, n: r.entries.length }, 'claimed entries of an idle consumer');
        }
        await this.dispatch(key, r.entries);
        if (r.next === '0-0') break;
        start = r.next;
      }
    }
  }

  private async dispatch(prefixedKey: string, entries: RawEntry[]): Promise<void> {
    if (entries.length === 0 || this.aborted) return;
    if (this.o.batchHandler) { await this.handleBatch(prefixedKey, entries); return; }
    for (const e of entries) {
      if (this.aborted) return;
      await this.handle(prefixedKey, e);
    }
  }

  private async handle(prefixedKey: string, e: RawEntry): Promise<void> {
    const key = prefixedKey.slice(this.prefix.length);
    if (!e.fields) {
      // Trimmed by MAXLEN while pending: nothing left to process.
      await this.conn.xack(prefixedKey, this.o.group, e.id);
      return;
    }
    try {
      await (this.o.handler as NonNullable<ConsumeOptions['handler']>)({ id: e.id, key, fields: e.fields });
      await this.ack(prefixedKey, [e.id]);
    } catch (err) {
      await this.onFailure(prefixedKey, [e.id], err);
    }
  }

  private async handleBatch(prefixedKey: string, entries: RawEntry[]): Promise<void> {
    const key = prefixedKey.slice(this.prefix.length);
    const trimmed = entries.filter((e) => !e.fields).map((e) => e.id);
    if (trimmed.length) await this.conn.xack(prefixedKey, this.o.group, ...trimmed);
    const live = entries.filter((e): e is RawEntry & { fields: Record<string, Buffer> } => !!e.fields);
    if (live.length === 0) return;
    try {
      await (this.o.batchHandler as NonNullable<ConsumeOptions['batchHandler']>)(live.map((e) => ({ id: e.id, key, fields: e.fields })));
      await this.ack(prefixedKey, live.map((e) => e.id));
    } catch (err) {
      await this.onFailure(prefixedKey, live.map((e) => e.id), err);
    }
  }

  private async ack(prefixedKey: string, ids: string[]): Promise<void> {
    if (this.aborted) return;
    await this.conn.xack(prefixedKey, this.o.group, ...ids);
    this.stats.handled += ids.length;
    busMessages.labels(this.o.group, 'handled').inc(ids.length);
  }

  /** The entries stay pending for redelivery, except those past `maxDeliveries` (acknowledged, dropped). */
  private async onFailure(prefixedKey: string, ids: string[], err: unknown): Promise<void> {
    if (this.aborted) return;
    const key = prefixedKey.slice(this.prefix.length);
    this.stats.failed += ids.length;
    busMessages.labels(this.o.group, 'failed').inc(ids.length);
    const counts = await this.deliveryCounts(prefixedKey, ids);
    const exhausted = ids.filter((id) => (counts.get(id) ?? 0) >= this.o.maxDeliveries);
    if (exhausted.length) {
      await this.conn.xack(prefixedKey, this.o.group, ...exhausted);
      this.stats.dropped += exhausted.length;
      busMessages.labels(this.o.group, 'dropped').inc(exhausted.length);
      this.log.error({ key, ids: exhausted, err: (err as Error).message }, 'entries dropped after repeated handler failures');
    }
    if (exhausted.length < ids.length) {
      this.log.warn({ key, n: ids.length - exhausted.length, first: ids[0], err: (err as Error).message }, 'handler failed; entries stay pending for redelivery');
    }
  }

  /** XPENDING over the id range of the batch (stream order), this consumer's entries only. */
  private async deliveryCounts(key: string, ids: string[]): Promise<Map<string, number>> {
    const r = (await this.conn.xpending(key, this.o.group, ids[0], ids[ids.length - 1], ids.length + 100, this.o.consumer)) as [string, string, number, number][];
    return new Map(r.map(([id, , , n]) => [id, Number(n)]));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
