import type Redis from 'ioredis';
import { childLogger } from '../obs/logger';
import { streamKey } from './keys';
import { assertOneHandler } from './handlers';
import { busMessages, busPoison, busTrimmed } from './metrics';
import { parseAutoClaim, parseReadGroup, type RawEntry } from './redis-replies';
import { fencedXack } from './fenced';
import { isolateEntries } from './isolate';
import { checkTrimmed } from './trim-check';
import type { SharedReader } from './shared-reader';
import type { ConsumeOptions, Consumer, ConsumerStats, Delivery } from './types';

type LiveEntry = RawEntry & { fields: Record<string, Buffer> };

/**
 * One consumer-group member reading one topic's streams (or fixed keys). Its blocking reads go through
 * the bus's SharedReader for its (group, consumer) (src/bus/shared-reader.ts: one blocking connection for
 * all the streams a worker holds); every other command uses the bus's command connection. At-least-once: an entry is XACKed only after the handler resolved; a
 * failed or crashed delivery stays pending and is claimed by a live member after `claimIdleMs`
 * (XAUTOCLAIM). On start it first re-reads its own pending entries (a restart with the same name).
 * With `batchHandler`, each read of one key (XREADGROUP, XAUTOCLAIM or own-pending page) is handed over
 * whole and XACKed in one command after the handler resolved. A batch that failed `maxDeliveries` times
 * is retried entry by entry (src/bus/isolate.ts): a poison entry is handed to `onDrop` and acknowledged
 * alone, the rest are processed. Before each read, entries trimmed unread are counted (src/bus/trim-check.ts).
 * With a `fence`, every XACK is checked against the lease's current fencing token (src/bus/fenced.ts).
 */
type Optional = 'topic' | 'keys' | 'handler' | 'batchHandler' | 'onDrop' | 'onTrimmed' | 'fence';

export class RedisConsumer implements Consumer {
  readonly stats: ConsumerStats = { handled: 0, failed: 0, claimed: 0, dropped: 0, trimmed: 0 };
  private readonly log;
  private readonly conn: Redis;
  private readonly keys = new Set<string>(); // prefixed
  private stopped = false;
  /** Set by abort(): nothing is acknowledged any more (a crashed process acknowledges nothing). */
  private aborted = false;
  private readonly loop: Promise<void>;
  private readonly o: Required<Omit<ConsumeOptions, Optional>> & Pick<ConsumeOptions, Optional>;

  private pendingRead: { cancel(): void } | null = null;

  constructor(redis: Redis, private readonly reader: SharedReader, private readonly prefix: string, opts: ConsumeOptions, private readonly registryKey: string) {
    assertOneHandler(opts);
    this.o = { batch: 16, blockMs: 1000, claimIdleMs: 30_000, claimIntervalMs: 5_000, discoverIntervalMs: 2_000, maxDeliveries: 5, ...opts };
    this.log = childLogger({ module: 'bus/consumer', group: opts.group, consumer: opts.consumer });
    // Shared with the bus (non-blocking commands only); ioredis retries a broken connection.
    this.conn = redis;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pendingRead?.cancel();
    await this.loop;
  }

  abort(): void {
    this.stopped = true;
    this.aborted = true;
    // Cuts a blocked read short; the loop then sees `stopped` and ends.
    this.pendingRead?.cancel();
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
    let streams: { key: string; entries: RawEntry[] }[];
    if (from === '>') {
      await this.countTrimmed(keys);
      if (this.stopped) return 0;
      const r = this.reader.read(keys, this.o.batch, this.o.blockMs);
      this.pendingRead = r;
      try { streams = await r.result; } finally { this.pendingRead = null; }
    } else {
      streams = parseReadGroup(await this.conn.callBuffer('XREADGROUP', 'GROUP', this.o.group, this.o.consumer, 'COUNT', this.o.batch, 'STREAMS', ...keys, ...keys.map(() => from)));
    }
    let n = 0;
    for (const { key, entries } of streams) {
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

  private async countTrimmed(keys: string[]): Promise<void> {
    for (const t of await checkTrimmed(this.conn, keys, this.o.group)) {
      await this.reportTrimmed({ ...t, key: t.key.slice(this.prefix.length) });
    }
  }

  private async reportTrimmed(t: { key: string; count: number; afterId: string; beforeId: string }): Promise<void> {
    this.stats.trimmed += t.count;
    busTrimmed.labels(this.o.group).inc(t.count);
    this.log.warn(t, 'entries trimmed (MAXLEN) before this group read them');
    try {
      await this.o.onTrimmed?.(t);
    } catch (err) {
      this.log.error({ ...t, err: (err as Error).message }, 'recording trimmed entries failed (counted in the metric only)');
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
      await this.ackTrimmedPending(prefixedKey, [e.id]);
      return;
    }
    const d: Delivery = { id: e.id, key, fields: e.fields };
    try {
      await (this.o.handler as NonNullable<ConsumeOptions['handler']>)(d);
      await this.ack(prefixedKey, [e.id]);
    } catch (err) {
      await this.onFailure(prefixedKey, [d], err);
    }
  }

  /** Trimmed by MAXLEN while pending (delivered, never processed): counted as trimmed, then acknowledged. */
  private async ackTrimmedPending(prefixedKey: string, ids: string[]): Promise<void> {
    if (!(await this.xack(prefixedKey, ids))) return;
    await this.reportTrimmed({ key: prefixedKey.slice(this.prefix.length), count: ids.length, afterId: ids[0], beforeId: ids[ids.length - 1] });
  }

  private async handleBatch(prefixedKey: string, entries: RawEntry[]): Promise<void> {
    const key = prefixedKey.slice(this.prefix.length);
    const trimmed = entries.filter((e) => !e.fields).map((e) => e.id);
    if (trimmed.length) await this.ackTrimmedPending(prefixedKey, trimmed);
    const live = entries.filter((e): e is LiveEntry => !!e.fields).map((e): Delivery => ({ id: e.id, key, fields: e.fields }));
    if (live.length === 0) return;
    try {
      await (this.o.batchHandler as NonNullable<ConsumeOptions['batchHandler']>)(live);
      await this.ack(prefixedKey, live.map((e) => e.id));
    } catch (err) {
      await this.onFailure(prefixedKey, live, err);
    }
  }

  /** XACK (through the fence when given); false when nothing may be acknowledged any more. */
  private async xack(prefixedKey: string, ids: string[]): Promise<boolean> {
    if (this.aborted) return false;
    if (!this.o.fence) { await this.conn.xack(prefixedKey, this.o.group, ...ids); return true; }
    if ((await fencedXack(this.conn, this.prefix, this.o.fence, prefixedKey, this.o.group, ids)) >= 0) return true;
    // A newer holder took the lease: this consumer must stop (its entries stay pending for the new holder).
    this.log.warn({ key: prefixedKey.slice(this.prefix.length), lease: this.o.fence.lease }, 'acknowledgement refused by the fence: another holder owns the stream');
    this.stopped = true;
    this.aborted = true;
    return false;
  }

  /**
   * Counted as handled the moment the XACK is sent (and uncounted if it fails or is refused): an abort()
   * cannot recall an XACK already on the wire, so whoever reads the stats at the abort sees what Redis will.
   */
  private async ack(prefixedKey: string, ids: string[]): Promise<void> {
    if (this.aborted) return;
    this.stats.handled += ids.length;
    let ok = false;
    try {
      ok = await this.xack(prefixedKey, ids);
    } finally {
      if (!ok) this.stats.handled -= ids.length;
    }
    if (ok) busMessages.labels(this.o.group, 'handled').inc(ids.length);
  }

  /**
   * The entries stay pending for redelivery until one of them has failed `maxDeliveries` times; then the
   * read is retried entry by entry and an entry failing every attempt alone is recorded and acknowledged.
   */
  private async onFailure(prefixedKey: string, ds: Delivery[], err: unknown): Promise<void> {
    if (this.aborted) return;
    const key = prefixedKey.slice(this.prefix.length);
    this.stats.failed += ds.length;
    busMessages.labels(this.o.group, 'failed').inc(ds.length);
    const counts = await this.deliveryCounts(prefixedKey, ds.map((d) => d.id));
    if (!ds.some((d) => (counts.get(d.id) ?? 0) >= this.o.maxDeliveries)) {
      this.log.warn({ key, n: ds.length, first: ds[0].id, err: (err as Error).message }, 'handler failed; entries stay pending for redelivery');
      return;
    }
    if (ds.length === 1) { await this.poison(prefixedKey, ds[0], err); return; }
    this.log.warn({ key, n: ds.length, first: ds[0].id, err: (err as Error).message }, 'read failed repeatedly; retrying its entries one at a time');
    const handler = this.o.batchHandler ?? (async (b: Delivery[]) => (this.o.handler as NonNullable<ConsumeOptions['handler']>)(b[0]));
    await isolateEntries(ds, this.o.maxDeliveries, {
      run: (d) => handler([d]),
      done: (d) => this.ack(prefixedKey, [d.id]),
      poison: (d, e) => this.poison(prefixedKey, d, e),
      stopped: () => this.aborted,
    });
  }

  /** Records the entry (onDrop) and only then acknowledges it alone; a failed record leaves it pending. */
  private async poison(prefixedKey: string, d: Delivery, err: unknown): Promise<void> {
    const detail = (err as Error)?.message ?? String(err);
    try {
      await this.o.onDrop?.(d, err);
    } catch (e) {
      this.log.error({ key: d.key, id: d.id, err: (e as Error).message }, 'recording a poison entry failed; it stays pending');
      return;
    }
    if (!(await this.xack(prefixedKey, [d.id]))) return;
    this.stats.dropped++;
    busMessages.labels(this.o.group, 'dropped').inc();
    busPoison.labels(this.o.group).inc();
    this.log.error({ key: d.key, id: d.id, err: detail, recorded: !!this.o.onDrop }, 'entry given up after repeated handler failures');
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
