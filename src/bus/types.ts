import type { Topic } from './keys';

/** Message fields: binary payloads (JPEG, PCM) travel as Buffers, never base64 inside JSON. */
export type BusFields = Record<string, string | number | Buffer>;

export interface Delivery {
  /** Stream entry id (Redis `ms-seq`; a counter in-process). */
  id: string;
  /** The stream key without any prefix, e.g. `video:cam-1`. */
  key: string;
  /** Every field as bytes; decode with src/bus/messages.ts. */
  fields: Record<string, Buffer>;
}

/** Must be idempotent: delivery is at-least-once (redelivered after a crash or a handler error). */
export type Handler = (d: Delivery) => Promise<void>;

/**
 * Receives a whole read (XREADGROUP or XAUTOCLAIM batch) of ONE stream key, in stream order; the batch is
 * acknowledged together once it resolves (at-least-once: nothing is acknowledged before the handler is
 * done with every entry). A throw leaves the whole batch pending; every entry in it counts a delivery.
 */
export type BatchHandler = (ds: Delivery[]) => Promise<void>;

export interface ConsumeOptions {
  /** One group per stage, e.g. 'detection': members share the load. */
  group: string;
  /** Unique per process/worker; stable across restarts lets a restarted worker recover its own pending. */
  consumer: string;
  /** Consume every registered stream of this topic (`<topic>:<streamId>`), discovering new ones. */
  topic?: Topic;
  /** Or a fixed list of keys. */
  keys?: string[];
  /** Exactly one of `handler` (entry by entry) and `batchHandler` (a whole read at a time). */
  handler?: Handler;
  batchHandler?: BatchHandler;
  /** Entries per read. */
  batch?: number;
  /** XREADGROUP BLOCK (ms). */
  blockMs?: number;
  /** A pending entry idle this long belongs to a dead consumer and is claimed (XAUTOCLAIM). */
  claimIdleMs?: number;
  /** How often to look for such entries. */
  claimIntervalMs?: number;
  /** How often to look for new streams of `topic`. */
  discoverIntervalMs?: number;
  /**
   * A batch that failed this many deliveries is retried entry by entry (src/bus/isolate.ts); an entry that
   * still fails this many times alone is handed to `onDrop`, then acknowledged alone.
   */
  maxDeliveries?: number;
  /**
   * Records an entry given up on (a poison entry). Must be durable before it resolves: the entry is
   * acknowledged only after; a throw leaves it pending. Without it the drop is only logged and counted.
   */
  onDrop?: (d: Delivery, err: unknown) => Promise<void>;
  /**
   * Entries a `MAXLEN ~` trim removed before this group read them (Redis): `count` entries on `key`
   * between entry ids `afterId` (exclusive, the group's last delivered id) and `beforeId` (exclusive).
   */
  onTrimmed?: (t: TrimmedRange) => Promise<void>;
  /**
   * Fencing (src/bus/lease.ts): acknowledgements go through a script that first checks `token` is still
   * the current fence of `lease`; a newer holder's fence refuses them (the entries stay pending).
   */
  fence?: Fence;
}

export interface Fence {
  /** Lease name, e.g. `lease:detection:cam-1`. */
  lease: string;
  token: number;
}

export interface TrimmedRange {
  key: string;
  count: number;
  afterId: string;
  beforeId: string;
}

export interface ConsumerStats {
  handled: number;
  failed: number;
  claimed: number;
  dropped: number;
  /** Entries trimmed (MAXLEN ~) before this group read them, as seen by this consumer. */
  trimmed: number;
}

export interface Consumer {
  readonly stats: ConsumerStats;
  /** Stops reading, waits for the handler in flight; unacknowledged entries stay pending for others. */
  stop(): Promise<void>;
  /**
   * What a crash looks like (tests, lost ownership): stops at once without waiting for the handler in
   * flight and acknowledges nothing from now on, so whatever it had read stays pending for reclaim.
   */
  abort(): void;
  /**
   * In-process bus only: resolves once every entry published so far on the consumer's keys is handled
   * (how a finished stream is drained stage by stage). Redis consumers have no end to wait for.
   */
  idle?(): Promise<void>;
}

export interface Lease {
  readonly name: string;
  readonly held: boolean;
  /**
   * Fencing token: increases with every acquisition of this lease name (across holders), so a write
   * checked against the current token is refused once a newer holder took over.
   */
  readonly fence: number;
  /** Called once when the lease is lost (another holder took it, or renewal failed for a whole TTL). */
  onLost(cb: () => void): void;
  /** Stops renewing and frees the lease if still ours. */
  release(): Promise<void>;
  /** Stops renewing without freeing (what a crashed holder looks like): it expires after the TTL. */
  abandon(): void;
}

export interface LeaseOptions {
  ttlMs: number;
  /** Retry period for acquire(); default ttlMs / 3. */
  retryMs?: number;
  signal?: AbortSignal;
}

export interface LeaseManager {
  tryAcquire(name: string, ttlMs: number): Promise<Lease | null>;
  /** The current fence of a lease name (0 if never acquired). */
  currentFence(name: string): Promise<number>;
  /** Waits until the lease is free (the holder released it or stopped renewing). */
  acquire(name: string, opts: LeaseOptions): Promise<Lease>;
}

export interface PublishOptions {
  /** Approximate cap of the stream (XADD MAXLEN ~). */
  maxLen?: number;
}

/** A stream's end-of-stream marker (src/bus/stream-end.ts). */
export interface StreamEnd {
  /** When the producer ended the stream (epoch ms). */
  at: number;
  /** Last entry id published on each key of the stream, by the producer and by stages that finished it. */
  lastIds: Record<string, string>;
  /** Stages the producer left to workers elsewhere: their results are complete once they are `done`. */
  remote: string[];
  /** Stages whose worker finished the stream (after processing up to the end). */
  done: string[];
}

export interface Bus {
  readonly kind: 'memory' | 'redis';
  /**
   * Marks the end of a stream: records the last id this bus published on each of the stream's keys
   * (merged into any marker already there, so a stage's worker adds its own keys and `done`).
   */
  endStream(streamId: string, opts?: { remote?: string[]; doneStage?: string }): Promise<void>;
  /** The stream's end marker, or null while it runs. */
  streamEnd(streamId: string): Promise<StreamEnd | null>;
  /** Ids of ended streams (not yet pruned). */
  endedStreams(): Promise<string[]>;
  /** True once `group` was delivered every entry of `key` up to `lastId` and has none of them pending. */
  consumedThrough(group: string, key: string, lastId: string): Promise<boolean>;
  /** Forgets streams ended more than `retentionMs` ago (registry, marker, topic keys); returns their ids. */
  pruneEnded(retentionMs: number): Promise<string[]>;
  /** Appends to a stream; a `<topic>:<streamId>` key also registers the stream for discovery. */
  publish(key: string, fields: BusFields, opts?: PublishOptions): Promise<string>;
  registerStream(streamId: string): Promise<void>;
  streams(): Promise<string[]>;
  consume(opts: ConsumeOptions): Consumer;
  readonly leases: LeaseManager;
  close(): Promise<void>;
}
