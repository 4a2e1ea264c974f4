/**
 * One stream's stage graph on a bus: every selected stage module (src/stages/registry.ts) becomes a
 * member of its consumer group on the keys of the topics it consumes, receives decoded messages through
 * the topic codecs (src/topics), and publishes its results back on the bus. The same class runs the
 * whole graph in one process on the in-process bus (`analyze`) and a single stage on Redis (`worker`).
 *
 * Acknowledgement: on a durable bus (Redis) a stage with `handleBatch` gets whole reads and its batch is
 * acknowledged only once every outcome is recorded and its state saved; other stages acknowledge an
 * entry once accepted. A malformed entry is recorded as a `bad_message` skip and acknowledged alone:
 * it never holds up or drops the rest of its read. An entry whose handling keeps failing (the bus isolates
 * it, src/bus/isolate.ts) is recorded as a `poison` skip; entries trimmed unread as a `trimmed` skip.
 */
import { VideoAgentError } from '../errors';
import { childLogger } from '../obs/logger';
import { streamKey, type Bus, type Consumer, type Delivery } from '../bus';
import type { Fence, TrimmedRange } from '../bus/types';
import { CODECS, type GraphTopic, type TopicInput, type TopicMessages } from '../topics';
import { parseStreamKey } from '../bus/keys';
import { planGraph, type GraphNode } from '../stages/graph';
import type { Publish, StageInstance, StageServices } from '../stages/stage';
import type { StageStatsMap } from '../stages';

/** Results kept per topic key on Redis (XADD MAXLEN ~): a stream nobody reads cannot grow without bound. */
export const RESULT_MAXLEN = 10_000;

/** A synchronous observer of published messages (in-process fan-out; never slows the graph). */
export type MessageTap = <T extends GraphTopic>(topic: T, msg: TopicMessages[T]) => void;

/** Where a stage's per-stream state lives between holders (worker mode). */
export interface StageStateStore {
  load(stage: string): Promise<string | null>;
  /** Returns false when this holder may no longer write (lost its lease). */
  save(stage: string, value: string): Promise<boolean>;
}

export interface StreamGraphOptions {
  bus: Bus;
  streamId: string;
  stages: Iterable<string>;
  live: boolean;
  services: StageServices;
  /** Per-stage settings, keyed by stage name. */
  options?: Record<string, Record<string, unknown>>;
  /** Consumer name within each stage's group (unique per process). */
  consumer?: string;
  /** Entries per bus read (batch stages get each read as one batch). */
  readBatch?: number;
  /** Results are also published here (e.g. Redis, for consumers outside this process). */
  mirror?: Bus;
  /** Sees every result once it is on the bus (the server's live feed and snapshot); must not throw. */
  tap?: MessageTap;
  /** Worker mode: restore and save each stage's handed-over state. */
  state?: StageStateStore;
  /** Consumer tuning passed to the bus (block, claim intervals…, the lease fence in worker mode). */
  consume?: { blockMs?: number; claimIdleMs?: number; claimIntervalMs?: number; maxDeliveries?: number; fence?: Fence };
}

interface Lane {
  node: GraphNode;
  instance: StageInstance<unknown>;
  consumer: Consumer;
}

export class StreamGraph {
  private readonly log;
  private readonly lanes: Lane[] = [];
  private readonly nodes: GraphNode[];
  private started = false;
  /** Last pts seen per key (where a `trimmed` skip starts). */
  private readonly lastPts = new Map<string, number>();
  readonly publish: Publish;

  constructor(private readonly o: StreamGraphOptions) {
    this.log = childLogger({ component: 'stream-graph', streamId: o.streamId });
    this.nodes = planGraph(o.stages);
    const maxLen = o.bus.kind === 'redis' ? { maxLen: RESULT_MAXLEN } : undefined;
    this.publish = async (topic, msg) => {
      const key = streamKey(topic, o.streamId);
      const fields = CODECS[topic].encode(msg as never);
      await o.bus.publish(key, fields, maxLen);
      await o.mirror?.publish(key, fields, { maxLen: RESULT_MAXLEN });
      o.tap?.(topic, msg as TopicMessages[typeof topic]);
    };
  }

  /** Stage names in drain order (producers first). */
  get stageNames(): string[] { return this.nodes.map((n) => n.module.name); }

  /** Topics the graph's stages read. */
  get consumes(): Set<GraphTopic> { return new Set(this.nodes.flatMap((n) => n.module.consumes)); }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const node of this.nodes) {
      const m = node.module;
      let state: unknown = null;
      if (m.state && this.o.state) {
        const raw = await this.o.state.load(m.name);
        if (raw !== null) {
          state = m.state.decode(raw);
          if (state === null) this.log.error({ stage: m.name }, 'handed-over state is unreadable; starting fresh');
          else this.log.info({ stage: m.name }, 'restored the state handed over by the previous holder');
        }
      }
      const instance = m.create({
        streamId: this.o.streamId, live: this.o.live, services: this.o.services, publish: this.publish,
        upstream: node.upstream, options: this.o.options?.[m.name] ?? {}, state,
      }) as StageInstance<unknown>;
      const batched = this.o.bus.kind === 'redis' && instance.handleBatch !== undefined;
      const keys = m.consumes.map((t) => streamKey(t, this.o.streamId));
      const consumer = this.o.bus.consume({
        group: m.name, consumer: this.o.consumer ?? `${m.name}-${process.pid}`, keys,
        batch: this.o.readBatch ?? 16, ...this.o.consume,
        onDrop: (d: Delivery, err: unknown) => this.recordPoison(node, d, err),
        onTrimmed: (t: TrimmedRange) => this.recordTrimmed(node, t),
        ...(batched
          ? { batchHandler: (ds: Delivery[]) => this.handleBatch(node, instance, ds) }
          : { handler: (d: Delivery) => this.handleOne(node, instance, d) }),
      });
      this.lanes.push({ node, instance, consumer });
    }
  }

  /**
   * End of stream (in-process bus): each stage, producers first, handles everything already published to
   * it, then finishes (its last results reach the next stage before that one is drained).
   */
  async finish(): Promise<void> {
    for (const lane of this.lanes) {
      await lane.consumer.idle?.();
      await lane.instance.finish().catch((err) => this.log.error({ stage: lane.node.module.name, err }, 'stage drain failed'));
    }
    await Promise.all(this.lanes.map((l) => l.consumer.stop()));
  }

  /** Stops reading and finishes each stage without waiting for the rest of the bus (worker hand-over). */
  async stop(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.consumer.stop()));
    for (const lane of this.lanes) await lane.instance.finish().catch((err) => this.log.error({ stage: lane.node.module.name, err }, 'stage drain failed'));
  }

  /**
   * Worker mode, end of stream (src/analyze/stage-worker.ts closes the lane once its group consumed every
   * entry up to the stream's end marker): stop reading, finish each stage, save its final state.
   */
  async end(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.consumer.stop()));
    for (const lane of this.lanes) {
      await lane.instance.finish().catch((err) => this.log.error({ stage: lane.node.module.name, err }, 'stage drain failed'));
      await this.saveState(lane.node, lane.instance);
    }
  }

  /** What a crash looks like (tests): nothing more is acknowledged. */
  abort(): void {
    for (const l of this.lanes) l.consumer.abort();
  }

  consumerStats(): { handled: number; failed: number; claimed: number; dropped: number; trimmed: number } {
    const t = { handled: 0, failed: 0, claimed: 0, dropped: 0, trimmed: 0 };
    for (const l of this.lanes) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += l.consumer.stats[k];
    return t;
  }

  stats(): StageStatsMap {
    return Object.fromEntries(this.lanes.map((l) => [l.node.module.name, l.instance.stats()])) as StageStatsMap;
  }

  private async handleOne(node: GraphNode, instance: StageInstance<unknown>, d: Delivery): Promise<void> {
    const input = await this.decode(node, d);
    if (input) await instance.handle(input);
  }

  private async handleBatch(node: GraphNode, instance: StageInstance<unknown>, ds: Delivery[]): Promise<void> {
    const inputs: TopicInput[] = [];
    for (const d of ds) {
      const input = await this.decode(node, d);
      if (input) inputs.push(input);
    }
    if (inputs.length) await instance.handleBatch?.(inputs);
    // Saved before the batch is acknowledged, so a take-over never restores state older than an acked entry.
    await this.saveState(node, instance);
  }

  private async saveState(node: GraphNode, instance: StageInstance<unknown>): Promise<void> {
    const m = node.module;
    if (m.state && this.o.state && instance.state) {
      let ok: boolean;
      try {
        ok = await this.o.state.save(m.name, m.state.encode(instance.state()));
      } catch (err) {
        // The state store (Redis) is unreachable: not the entries' fault. Retryable, so the read stays
        // pending and is never isolated as poison.
        throw new VideoAgentError('E_STATE_UNAVAILABLE', `${m.name}: state not saved: ${(err as Error).message}`, { kind: 'unreachable', retryable: true, cause: err });
      }
      if (!ok) this.log.warn({ stage: m.name }, 'state not saved: this worker no longer holds the stream');
    }
  }

  /** The bus gave up on an entry: a skip row, written before the entry is acknowledged. */
  private async recordPoison(node: GraphNode, d: Delivery, err: unknown): Promise<void> {
    // An outage (state store, database) is not poison: keep the entry pending for a later delivery.
    if (err instanceof VideoAgentError && err.retryable) throw err;
    const ptsUs = ptsOf(d) ?? 0;
    const detail = `${d.key} ${d.id}: ${(err as Error)?.message ?? String(err)}`.slice(0, 2000);
    await this.o.services.rows.recordSkip({ streamId: this.o.streamId, stage: node.module.name, ptsUs, endUs: ptsUs, ts: Date.now(), reason: 'poison', detail });
  }

  /** Entries trimmed before they were read: their pts are gone with them; the skip starts at the last pts seen. */
  private async recordTrimmed(node: GraphNode, t: TrimmedRange): Promise<void> {
    const ptsUs = this.lastPts.get(t.key) ?? 0;
    await this.o.services.rows.recordSkip({
      streamId: this.o.streamId, stage: node.module.name, ptsUs, endUs: ptsUs, ts: Date.now(), reason: 'trimmed',
      detail: `${t.count} entries of ${t.key} trimmed (MAXLEN) before ${node.module.name} read them, ids after ${t.afterId} before ${t.beforeId}`,
    });
  }

  /** A malformed entry becomes a skip row (the rest of its read goes on); null tells the caller to skip it. */
  private async decode(node: GraphNode, d: Delivery): Promise<TopicInput | null> {
    const parsed = parseStreamKey(d.key);
    const topic = parsed?.topic as GraphTopic | undefined;
    const pts = ptsOf(d);
    if (pts !== null) this.lastPts.set(d.key, pts);
    try {
      if (!topic || !(topic in CODECS)) throw new Error(`no codec for key ${d.key}`);
      return { topic, msg: CODECS[topic].decode(d) } as TopicInput;
    } catch (err) {
      const detail = (err as Error).message;
      this.log.error({ stage: node.module.name, key: d.key, id: d.id, err: detail }, 'malformed bus entry skipped');
      const ptsUs = pts ?? 0;
      await this.o.services.rows.recordSkip({ streamId: this.o.streamId, stage: node.module.name, ptsUs, endUs: ptsUs, ts: Date.now(), reason: 'bad_message', detail: `${d.key} ${d.id}: ${detail}` });
      return null;
    }
  }
}

function ptsOf(d: Delivery): number | null {
  const pts = Number(d.fields.ptsUs?.toString());
  return Number.isSafeInteger(pts) && pts >= 0 ? pts : null;
}

export type { TopicMessages };
