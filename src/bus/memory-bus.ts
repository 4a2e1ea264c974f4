import { EventEmitter } from 'node:events';
import { childLogger } from '../obs/logger';
import { REGISTRY_KEY, TOPICS, assertStreamId, parseStreamKey, streamKey } from './keys';
import { BackendLeaseManager, MemoryLeaseBackend } from './lease';
import { toDeliveryFields } from './fields';
import { assertOneHandler } from './handlers';
import { busMessages, busPoison } from './metrics';
import { isolateEntries } from './isolate';
import type { Bus, BusFields, ConsumeOptions, Consumer, ConsumerStats, Delivery, LeaseManager, StreamEnd } from './types';
import { LastIds, compareIds, parseStreamEnd } from './stream-end';

const log = childLogger({ module: 'bus/memory' });

export interface MemoryBusOptions {
  /** Bound per (stream, group) queue, and on the backlog kept for groups that do not exist yet. */
  maxQueue?: number;
  /** Full queue: 'block' makes publish() wait (files); 'drop-oldest' drops the oldest entry (live sources). */
  onFull?: 'block' | 'drop-oldest';
}

interface Item { delivery: Delivery; attempts: number }

/** One consumer group's queue on one stream: members compete for items (load sharing). */
class GroupQueue {
  readonly items: Item[] = [];
  private takers: { owner: object; resolve: (i: Item | null) => void }[] = [];
  private spaceWaiters: (() => void)[] = [];
  dropped = 0;
  /** Items taken by a member and not yet settled (what Redis would show as pending). */
  inFlight = 0;

  constructor(private readonly max: number) {}

  get full(): boolean {
    return this.items.length >= this.max;
  }

  async put(item: Item, onFull: 'block' | 'drop-oldest'): Promise<void> {
    const taker = this.takers.shift();
    if (taker) { taker.resolve(item); return; }
    while (this.full) {
      if (onFull === 'drop-oldest') { this.items.shift(); this.dropped++; busMessages.labels('', 'overflow_dropped').inc(); break; }
      await new Promise<void>((r) => this.spaceWaiters.push(r));
    }
    this.items.push(item);
  }

  /** Re-queue a failed delivery at the front (it keeps its place in line). */
  retry(item: Item): void {
    const taker = this.takers.shift();
    if (taker) taker.resolve(item);
    else this.items.unshift(item);
  }

  /** Items already queued, without waiting (the rest of a batch after a blocking take). */
  takeReady(max: number): Item[] {
    const out = this.items.splice(0, Math.max(0, max));
    for (let i = 0; i < out.length; i++) this.spaceWaiters.shift()?.();
    return out;
  }

  /** `owner` identifies the consumer, so stopping one member does not wake the others. */
  take(owner: object): Promise<Item | null> {
    const it = this.items.shift();
    if (it) { this.spaceWaiters.shift()?.(); return Promise.resolve(it); }
    return new Promise((resolve) => this.takers.push({ owner, resolve }));
  }

  wake(owner: object): void {
    const mine = this.takers.filter((t) => t.owner === owner);
    this.takers = this.takers.filter((t) => t.owner !== owner);
    for (const t of mine) t.resolve(null);
  }
}

interface StreamState {
  groups: Map<string, GroupQueue>;
  /** Entries published before any group existed (a group created later starts from them, as XGROUP … 0). */
  backlog: Item[];
}

/**
 * The embedded, single-process bus: same Bus interface and semantics as Redis (groups share load, failed
 * deliveries are retried up to maxDeliveries, per-stream leases) with bounded queues, so a slow stage
 * back-pressures (or, for live sources, drops the oldest and counts it) instead of growing memory.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly leases: LeaseManager = new BackendLeaseManager(new MemoryLeaseBackend());
  private readonly streamsByKey = new Map<string, StreamState>();
  private readonly registry = new Set<string>();
  private readonly events = new EventEmitter();
  private readonly consumers = new Set<Consumer>();
  private seq = 0;
  private readonly lastIds = new LastIds();
  private readonly ends = new Map<string, Record<string, string>>();
  private readonly maxQueue: number;
  private readonly onFull: 'block' | 'drop-oldest';

  constructor(opts: MemoryBusOptions = {}) {
    this.maxQueue = opts.maxQueue ?? 256;
    this.onFull = opts.onFull ?? 'block';
    this.events.setMaxListeners(0);
  }

  /** Entries waiting in a group's queue on a key (for tests and metrics). */
  depth(key: string, group: string): number {
    return this.streamsByKey.get(key)?.groups.get(group)?.items.length ?? 0;
  }

  dropped(key: string, group: string): number {
    return this.streamsByKey.get(key)?.groups.get(group)?.dropped ?? 0;
  }

  private state(key: string): StreamState {
    let s = this.streamsByKey.get(key);
    if (!s) this.streamsByKey.set(key, (s = { groups: new Map(), backlog: [] }));
    return s;
  }

  group(key: string, group: string): GroupQueue {
    const s = this.state(key);
    let g = s.groups.get(group);
    if (!g) {
      s.groups.set(group, (g = new GroupQueue(this.maxQueue)));
      for (const it of s.backlog) g.items.push({ delivery: it.delivery, attempts: 0 });
    }
    return g;
  }

  async publish(key: string, fields: BusFields): Promise<string> {
    const parsed = parseStreamKey(key);
    if (parsed && !this.registry.has(parsed.streamId)) await this.registerStream(parsed.streamId);
    const id = `${Date.now()}-${this.seq++}`;
    const delivery: Delivery = { id, key, fields: toDeliveryFields(fields) };
    const s = this.state(key);
    if (s.groups.size === 0) {
      s.backlog.push({ delivery, attempts: 0 });
      if (s.backlog.length > this.maxQueue) s.backlog.shift(); // as MAXLEN ~: the stream keeps the newest
    } else {
      await Promise.all([...s.groups.values()].map((g) => g.put({ delivery, attempts: 0 }, this.onFull)));
    }
    busMessages.labels('', 'published').inc();
    if (parsed) this.lastIds.note(parsed.streamId, key, id);
    return id;
  }

  async endStream(streamId: string, opts: { remote?: string[]; doneStage?: string } = {}): Promise<void> {
    assertStreamId(streamId);
    const h = this.ends.get(streamId) ?? { at: String(Date.now()) };
    Object.assign(h, this.lastIds.take(streamId));
    if (opts.remote) h.remote = opts.remote.join(',');
    if (opts.doneStage) h[`done:${opts.doneStage}`] = String(Date.now());
    this.ends.set(streamId, h);
  }

  async streamEnd(streamId: string): Promise<StreamEnd | null> {
    const h = this.ends.get(streamId);
    return h ? parseStreamEnd(h) : null;
  }

  async endedStreams(): Promise<string[]> {
    return [...this.ends.keys()].sort();
  }

  /** In-process ids are `ms-seq` too; an entry is consumed once it left the group's queue. */
  async consumedThrough(group: string, key: string, lastId: string): Promise<boolean> {
    const q = this.streamsByKey.get(key)?.groups.get(group);
    return !!q && q.inFlight === 0 && !q.items.some((i) => compareIds(i.delivery.id, lastId) <= 0);
  }

  async pruneEnded(retentionMs: number): Promise<string[]> {
    const out: string[] = [];
    for (const [id, h] of this.ends) {
      if (Number(h.at) > Date.now() - retentionMs) continue;
      this.ends.delete(id);
      this.registry.delete(id);
      for (const t of TOPICS) this.streamsByKey.delete(streamKey(t, id));
      out.push(id);
    }
    return out;
  }

  async registerStream(streamId: string): Promise<void> {
    assertStreamId(streamId);
    if (this.registry.has(streamId)) return;
    this.registry.add(streamId);
    this.events.emit(REGISTRY_KEY, streamId);
  }

  async streams(): Promise<string[]> {
    return [...this.registry].sort();
  }

  consume(opts: ConsumeOptions): Consumer {
    assertOneHandler(opts);
    const maxDeliveries = opts.maxDeliveries ?? 5;
    const batch = Math.max(1, opts.batch ?? 16);
    const stats: ConsumerStats = { handled: 0, failed: 0, claimed: 0, dropped: 0, trimmed: 0 };
    const loops: Promise<void>[] = [];
    const queues: GroupQueue[] = [];
    let stopped = false;
    let busy = 0;
    let idleWaiters: (() => void)[] = [];
    const isIdle = () => busy === 0 && queues.every((q) => q.items.length === 0);
    const checkIdle = () => {
      if (!idleWaiters.length || !isIdle()) return;
      const w = idleWaiters;
      idleWaiters = [];
      for (const r of w) r();
    };
    const owner = {};
    // Entry by entry is a batch of one: one code path for retries and drops.
    const handle: (items: Item[]) => Promise<void> = opts.batchHandler
      ? (items) => (opts.batchHandler as NonNullable<ConsumeOptions['batchHandler']>)(items.map((i) => i.delivery))
      : (items) => (opts.handler as NonNullable<ConsumeOptions['handler']>)(items[0].delivery);

    const poison = async (key: string, d: Delivery, err: unknown) => {
      try {
        await opts.onDrop?.(d, err);
      } catch (e) {
        log.error({ key, id: d.id, err: (e as Error).message }, 'recording a poison entry failed');
      }
      stats.dropped++;
      busMessages.labels(opts.group, 'dropped').inc();
      busPoison.labels(opts.group).inc();
      log.error({ key, id: d.id, err: (err as Error)?.message ?? String(err) }, 'entry given up after repeated handler failures');
    };

    const serve = (key: string) => {
      const q = this.group(key, opts.group);
      queues.push(q);
      // One loop per stream: per-stream order, streams in parallel.
      loops.push((async () => {
        while (!stopped) {
          const first = await q.take(owner);
          if (!first) break;
          const items = opts.batchHandler ? [first, ...q.takeReady(batch - 1)] : [first];
          if (stopped) { for (const it of items.reverse()) q.retry(it); break; }
          busy++;
          q.inFlight += items.length;
          try {
            await handle(items);
            stats.handled += items.length;
            busMessages.labels(opts.group, 'handled').inc(items.length);
          } catch (err) {
            stats.failed += items.length;
            busMessages.labels(opts.group, 'failed').inc(items.length);
            for (const item of items) item.attempts++;
            if (items.some((i) => i.attempts >= maxDeliveries)) {
              // As on Redis (src/bus/redis-consumer.ts): entry by entry, so one poison entry drops only itself.
              const left = items.length === 1 ? [] : items;
              if (items.length === 1) await poison(key, items[0].delivery, err);
              await isolateEntries(left.map((i) => i.delivery), maxDeliveries, {
                run: (d) => handle([{ delivery: d, attempts: 0 }]),
                done: async () => { stats.handled++; busMessages.labels(opts.group, 'handled').inc(); },
                poison: (d, e) => poison(key, d, e),
                stopped: () => stopped,
              });
            } else {
              // Re-queued at the front in reverse, so the batch keeps its order.
              for (const item of [...items].reverse()) q.retry(item);
            }
          } finally {
            q.inFlight -= items.length;
            busy--;
            checkIdle();
          }
        }
      })());
    };

    const onStream = (streamId: string) => { if (!stopped && opts.topic) serve(streamKey(opts.topic, streamId)); };
    if (opts.topic) {
      for (const id of this.registry) serve(streamKey(opts.topic, id));
      this.events.on(REGISTRY_KEY, onStream);
    }
    for (const k of opts.keys ?? []) serve(k);

    const halt = () => {
      stopped = true;
      for (const r of idleWaiters.splice(0)) r();
      this.events.off(REGISTRY_KEY, onStream);
      for (const q of queues) q.wake(owner);
      this.consumers.delete(consumer);
    };
    const consumer: Consumer = {
      stats,
      stop: async () => {
        halt();
        await Promise.all(loops);
      },
      // In one process nothing survives a crash: the items in flight are simply not retried.
      abort: halt,
      idle: () => (isIdle() ? Promise.resolve() : new Promise<void>((r) => { idleWaiters.push(r); })),
    };
    this.consumers.add(consumer);
    return consumer;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
  }
}
