/**
 * `worker --stage X`: one member of the stage's consumer group on a shared bus (Redis). Stateful per-stream
 * work (tracking, audio windows, the VLM window) belongs to one worker at a time through a per-stream
 * lease: this worker polls the stream registry, takes the leases it can, and runs the stage's module
 * (src/stages/registry.ts, the same module `analyze` runs in one process) on the keys of the streams it
 * holds, so several workers split the streams between them. When a holder dies its lease expires,
 * another worker takes the stream over, and its group's pending entries (delivered to the dead worker,
 * never acknowledged) are claimed with XAUTOCLAIM at once, before any new entry is read, and processed
 * again in stream order (writes are idempotent).
 *
 * Acknowledgement: a stage with a batch handler (detection) takes whole XREADGROUP/XAUTOCLAIM reads and
 * acknowledges a read only once every entry's outcome is recorded and the stage's state saved; the
 * others acknowledge on receipt, because their windows need later entries to complete (a crash there
 * loses at most the window being assembled). A stage's state (`state:<stage>:<streamId>`, e.g. the
 * tracker snapshot with the pts of the last tracked frame) is restored on take-over, so the next holder
 * continues the same track ids.
 */
import { childLogger } from '../obs/logger';
import { leaseName, stageStateKey, streamKey } from '../bus';
import type { Bus, Fence, Lease } from '../bus';
import { StreamGraph } from '../graph/stream-graph';
import { stageModule, stageModules, type StageServices, type StageStatsMap } from '../stages';

/** Where a stage keeps per-stream state between holders. */
export interface StateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /**
   * Writes only while `fence` is the lease's current fencing token, atomically (src/bus/fenced.ts); false
   * when a newer holder took the stream. Stores without it fall back to `set` behind `lease.held`.
   */
  setFenced?(key: string, value: string, fence: Fence): Promise<boolean>;
}

export { stageStateKey };

export interface StageWorkerOptions {
  stage: string;
  bus: Bus;
  services: StageServices;
  /** Unique per worker process. */
  consumer: string;
  state?: StateStore;
  leaseTtlMs?: number;
  /** How often the registry is polled for streams without a holder. */
  discoverMs?: number;
  /**
   * How often a held stream is checked for entries left pending by another consumer (claimed at once:
   * holding the lease means their reader is gone). The first check runs before the first read.
   */
  claimIntervalMs?: number;
  /** Entries per bus read; batch stages hand each read to the endpoint as batches. */
  readBatch?: number;
  /** Settings of the stage (the same as `analyze` takes for it). */
  options?: Record<string, unknown>;
  /** Most streams held at once (spreads streams over workers). */
  maxStreams?: number;
  /** Ended streams are pruned from the registry this long after their end marker (default 1 h). */
  endedRetentionMs?: number;
  /** How often this worker prunes ended streams (default 60 s). */
  pruneIntervalMs?: number;
}

interface Lane {
  streamId: string;
  lease: Lease;
  graph: StreamGraph;
}

export interface StageWorkerStats {
  streams: string[];
  handled: number;
  claimed: number;
  failed: number;
  perStream: Record<string, StageStatsMap>;
}

export class StageWorker {
  private readonly log;
  private readonly lanes = new Map<string, Lane>();
  private readonly finished: { handled: number; claimed: number; failed: number } = { handled: 0, claimed: 0, failed: 0 };
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Ended streams this stage has finished: never taken again (until pruned from the registry). */
  private readonly done = new Set<string>();
  private lastPrune = 0;

  constructor(private readonly o: StageWorkerOptions) {
    stageModule(o.stage); // an unknown stage fails here, naming the known ones
    this.log = childLogger({ component: 'stage-worker', stage: o.stage, consumer: o.consumer });
  }

  start(): void {
    const tick = () => {
      this.polling = this.poll().catch((err) => this.log.warn({ err: (err as Error).message }, 'stream discovery failed'));
      void this.polling.finally(() => { if (!this.stopped) this.timer = setTimeout(tick, this.o.discoverMs ?? 1000); });
    };
    tick();
  }

  /** Streams this worker currently holds. */
  heldStreams(): string[] { return [...this.lanes.keys()].sort(); }

  stats(): StageWorkerStats {
    const s = { ...this.finished, streams: this.heldStreams(), perStream: {} as Record<string, StageStatsMap> };
    for (const l of this.lanes.values()) {
      const c = l.graph.consumerStats();
      s.handled += c.handled;
      s.claimed += c.claimed;
      s.failed += c.failed;
      s.perStream[l.streamId] = l.graph.stats();
    }
    return s;
  }

  /** Clean shutdown: stop reading (the entry in flight finishes and is acknowledged), drain, release leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    await Promise.all([...this.lanes.values()].map((l) => this.closeLane(l, true)));
  }

  /** What a crash looks like to the others (tests): nothing acknowledged or released from now on. */
  async kill(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const l of this.lanes.values()) { l.lease.abandon(); l.graph.abort(); }
    this.lanes.clear();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    const ended = new Set(await this.o.bus.endedStreams());
    for (const lane of [...this.lanes.values()]) {
      if (this.stopped) return;
      if (ended.has(lane.streamId) && (await this.reachedEnd(lane.streamId))) await this.endLane(lane);
    }
    if (Date.now() - this.lastPrune >= (this.o.pruneIntervalMs ?? 60_000)) {
      this.lastPrune = Date.now();
      for (const id of await this.o.bus.pruneEnded(this.o.endedRetentionMs ?? 3_600_000)) this.done.delete(id);
    }
    const max = this.o.maxStreams ?? Infinity;
    for (const streamId of await this.o.bus.streams()) {
      if (this.stopped || this.lanes.size >= max) break;
      if (this.lanes.has(streamId) || this.done.has(streamId)) continue;
      if (ended.has(streamId) && (await this.o.bus.streamEnd(streamId))?.done.includes(this.o.stage)) { this.done.add(streamId); continue; }
      const lease = await this.o.bus.leases.tryAcquire(leaseName(this.o.stage, streamId), this.o.leaseTtlMs ?? 10_000);
      if (!lease) continue;
      if (this.stopped) { await lease.release(); break; }
      try {
        await this.openLane(streamId, lease);
      } catch (err) {
        // A stream this worker cannot open must not keep its lease (and the stream) stuck forever.
        await lease.release().catch(() => undefined);
        throw err;
      }
    }
  }

  private async openLane(streamId: string, lease: Lease): Promise<void> {
    const store = this.o.state;
    const fence: Fence = { lease: lease.name, token: lease.fence };
    const graph = new StreamGraph({
      bus: this.o.bus, streamId, stages: [this.o.stage],
      // Files and live sources look alike on the bus: block (backpressure on the consumer, not drops).
      live: false,
      services: this.o.services, options: { [this.o.stage]: this.o.options ?? {} },
      consumer: this.o.consumer, readBatch: this.o.readBatch,
      // We hold the stream's lease: any entry pending on it was read by a previous (dead) holder. Claim it
      // at once, before reading new entries, so the stream is processed in order (the tracker needs that).
      // Acknowledgements and state writes are fenced: a holder that paused past its TTL and wakes after a
      // take-over is refused both, atomically, instead of overwriting the new holder's state.
      consume: { claimIdleMs: 0, claimIntervalMs: this.o.claimIntervalMs ?? 5000, fence },
      state: store ? {
        load: (stage) => store.get(stageStateKey(stage, streamId)),
        // A lost lease means the new holder owns the state: leave it be.
        save: async (stage, value) => {
          if (!lease.held) return false;
          if (store.setFenced) return store.setFenced(stageStateKey(stage, streamId), value, fence);
          await store.set(stageStateKey(stage, streamId), value);
          return true;
        },
      } : undefined,
    });
    await graph.start();
    const lane: Lane = { streamId, lease, graph };
    this.lanes.set(streamId, lane);
    lease.onLost(() => {
      this.log.warn({ streamId }, 'lease lost: another worker owns this stream now');
      void this.closeLane(lane, false);
    });
    this.log.info({ streamId }, 'took over stream');
  }

  /**
   * Everything up to the end was processed: the stages this one reads from that run elsewhere are done,
   * and this stage's group consumed every key of its inputs through the last id in the marker.
   */
  private async reachedEnd(streamId: string): Promise<boolean> {
    const end = await this.o.bus.streamEnd(streamId);
    if (!end) return false;
    const m = stageModule(this.o.stage);
    for (const topic of m.consumes) {
      const producers = stageModules().filter((p) => p.produces.includes(topic)).map((p) => p.name);
      if (producers.some((p) => end.remote.includes(p) && !end.done.includes(p))) return false;
      const key = streamKey(topic, streamId);
      const last = end.lastIds[key];
      if (last && !(await this.o.bus.consumedThrough(this.o.stage, key, last))) return false;
    }
    return true;
  }

  /** End of stream: finish the stage, save its state, mark it done in the marker, release the lease. */
  private async endLane(l: Lane): Promise<void> {
    if (this.lanes.get(l.streamId) !== l) return;
    this.lanes.delete(l.streamId);
    await l.graph.end();
    const c = l.graph.consumerStats();
    this.finished.handled += c.handled;
    this.finished.claimed += c.claimed;
    this.finished.failed += c.failed;
    if (l.lease.held) await this.o.bus.endStream(l.streamId, { doneStage: this.o.stage });
    await l.lease.release().catch(() => undefined);
    this.done.add(l.streamId);
    this.log.info({ streamId: l.streamId }, 'stream ended: lane closed, lease released');
  }

  private async closeLane(l: Lane, release: boolean): Promise<void> {
    if (this.lanes.get(l.streamId) !== l) return;
    this.lanes.delete(l.streamId);
    await l.graph.stop();
    const c = l.graph.consumerStats();
    this.finished.handled += c.handled;
    this.finished.claimed += c.claimed;
    this.finished.failed += c.failed;
    if (release) await l.lease.release().catch(() => undefined);
  }
}
