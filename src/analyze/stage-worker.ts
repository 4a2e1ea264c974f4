/**
 * `worker --stage X`: one member of the stage's consumer group on a shared bus (Redis). Stateful per-stream
 * work (tracking, audio windows, the VLM window) belongs to one worker at a time through a per-stream
 * lease: this worker polls the stream registry, takes the leases it can, and consumes only the keys of the
 * streams it holds, so several workers split the streams between them. When a holder dies its lease
 * expires, another worker takes the stream over, and its group's pending entries (delivered to the dead
 * worker, never acknowledged) are claimed with XAUTOCLAIM at once, before any new entry is read, and
 * processed again in stream order (writes are idempotent).
 *
 * Acknowledgement: detection takes whole XREADGROUP/XAUTOCLAIM batches (so the endpoint sees real
 * batches) and acknowledges a batch only once every frame's result (or skip) is recorded and the tracker
 * snapshot saved, so a killed worker loses nothing. Audio and VLM acknowledge on receipt, because their
 * windows need later entries to complete; a crash there loses at most the window being assembled (≤ 6 s
 * of audio, one VLM window). The tracker snapshot (`state:tracker:<streamId>`) is saved after each batch,
 * before its acknowledgement, with the pts of the last tracked frame, and restored on take-over: the next
 * holder continues the same track ids, and a frame from the tracker's past is stored without ids rather
 * than fed to the tracker out of order.
 */
import { childLogger } from '../obs/logger';
import { decodeAudio, decodeFrame, decodeJson, leaseName, streamKey } from '../bus';
import type { Bus, Consumer, Delivery, Lease } from '../bus';
import type { Stage } from '../stages/ports';
import { decodeTrackerState, encodeTrackerState, trackerStateKey, type TrackerState } from './tracker-state';
import { StreamAnalyzer, type AnalyzerPorts, type AnalyzerTuning, type StreamAnalyzerStats } from './stream-analyzer';

/** Where a stage keeps per-stream state between holders (the tracker snapshot). */
export interface StateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

export interface StageWorkerOptions {
  stage: Stage;
  bus: Bus;
  ports: AnalyzerPorts;
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
  /** Entries per bus read; detection hands each read to the endpoint as batches. Default batchSize × 2. */
  readBatch?: number;
  tuning?: AnalyzerTuning;
  /** Most streams held at once (spreads streams over workers). */
  maxStreams?: number;
}

interface Lane {
  streamId: string;
  lease: Lease;
  analyzer: StreamAnalyzer;
  consumer: Consumer;
}

export interface StageWorkerStats {
  streams: string[];
  handled: number;
  claimed: number;
  failed: number;
  perStream: Record<string, StreamAnalyzerStats>;
}

export class StageWorker {
  private readonly log;
  private readonly lanes = new Map<string, Lane>();
  private readonly finished: { handled: number; claimed: number; failed: number } = { handled: 0, claimed: 0, failed: 0 };
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: StageWorkerOptions) {
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
    const s = { ...this.finished, streams: this.heldStreams(), perStream: {} as Record<string, StreamAnalyzerStats> };
    for (const l of this.lanes.values()) {
      s.handled += l.consumer.stats.handled;
      s.claimed += l.consumer.stats.claimed;
      s.failed += l.consumer.stats.failed;
      s.perStream[l.streamId] = l.analyzer.stats();
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
    for (const l of this.lanes.values()) { l.lease.abandon(); l.consumer.abort(); }
    this.lanes.clear();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    const max = this.o.maxStreams ?? Infinity;
    for (const streamId of await this.o.bus.streams()) {
      if (this.stopped || this.lanes.size >= max) break;
      if (this.lanes.has(streamId)) continue;
      const lease = await this.o.bus.leases.tryAcquire(leaseName(this.o.stage, streamId), this.o.leaseTtlMs ?? 10_000);
      if (!lease) continue;
      if (this.stopped) { await lease.release(); break; }
      await this.openLane(streamId, lease);
    }
  }

  private async openLane(streamId: string, lease: Lease): Promise<void> {
    const snapshotKey = trackerStateKey(streamId);
    const state = this.o.stage === 'detection' ? this.o.state : undefined;
    let handedOver: TrackerState | null = null;
    if (state) {
      const raw = await state.get(snapshotKey);
      if (raw) {
        handedOver = decodeTrackerState(raw);
        if (handedOver) this.log.info({ streamId, trackedUpToUs: handedOver.trackedUpToUs }, 'restored the tracker handed over by the previous holder');
        else this.log.error({ streamId }, 'tracker state is unreadable; starting a fresh tracker (track ids restart)');
      }
    }
    // Files and live sources look alike on the bus: block (backpressure on the consumer, not drops).
    const analyzerFor = (h: TrackerState | null) => new StreamAnalyzer({
      streamId, stages: new Set([this.o.stage]), live: false, ports: this.o.ports, tuning: this.o.tuning,
      trackerSnapshot: h?.tracker, trackedUpToUs: h?.trackedUpToUs,
    });
    let analyzer: StreamAnalyzer;
    try {
      analyzer = analyzerFor(handedOver);
    } catch (err) {
      // A snapshot the tracker rejects must not keep the stream (and its lease) stuck forever.
      if (!handedOver) { await lease.release().catch(() => undefined); throw err; }
      this.log.error({ streamId, err: (err as Error).message }, 'handed-over tracker rejected; starting a fresh tracker (track ids restart)');
      analyzer = analyzerFor(null);
    }
    const common = {
      group: this.o.stage, consumer: this.o.consumer,
      // We hold the stream's lease: any entry pending on it was read by a previous (dead) holder. Claim it
      // at once, before reading new entries, so the stream is processed in order (the tracker needs that).
      claimIdleMs: 0, claimIntervalMs: this.o.claimIntervalMs ?? 5000,
      batch: this.o.readBatch ?? (this.o.tuning?.batchSize ?? 8) * 2,
    };
    const consumer = this.o.stage === 'detection'
      ? this.o.bus.consume({
          ...common, keys: [streamKey('video', streamId)],
          batchHandler: async (ds) => {
            const detection = analyzer.detection as NonNullable<StreamAnalyzer['detection']>;
            await detection.pushBatchAndWait(ds.map(decodeFrame));
            // Saved before the batch is acknowledged, so a take-over never restores a tracker that has not
            // seen an acknowledged frame. A lost lease means the new holder owns the snapshot: leave it be.
            if (state && lease.held) await state.set(snapshotKey, encodeTrackerState({ tracker: detection.trackerSnapshot(), trackedUpToUs: detection.trackedUpToUs() }));
          },
        })
      : this.o.bus.consume({
          ...common,
          keys: this.o.stage === 'audio' ? [streamKey('audio', streamId)]
            : [streamKey('video', streamId), streamKey('detections', streamId), streamKey('transcripts', streamId)],
          handler: (d) => this.route(analyzer, d),
        });
    const lane: Lane = { streamId, lease, analyzer, consumer };
    this.lanes.set(streamId, lane);
    lease.onLost(() => {
      this.log.warn({ streamId }, 'lease lost: another worker owns this stream now');
      void this.closeLane(lane, false);
    });
    this.log.info({ streamId }, 'took over stream');
  }

  /** Audio and VLM: one entry at a time, into the stage's windows. */
  private async route(analyzer: StreamAnalyzer, d: Delivery): Promise<void> {
    if (d.key.startsWith('video:')) {
      await analyzer.onFrame(decodeFrame(d));
    } else if (d.key.startsWith('audio:')) {
      await analyzer.onAudio(decodeAudio(d));
    } else if (analyzer.vlm) {
      const { payload } = decodeJson<Record<string, unknown>>(d);
      if (d.key.startsWith('detections:')) {
        const dets = (payload.detections as { class_name: string; track_id: number | null }[]) ?? [];
        analyzer.vlm.onDetections({ ptsUs: Number(payload.pts_us), detections: dets.map((x) => ({ className: x.class_name, trackId: x.track_id })) });
      } else {
        const prosody = payload.prosody as { rmsDb?: number } | null;
        analyzer.vlm.onTranscript({ startUs: Number(payload.start_us), endUs: Number(payload.end_us), text: String(payload.text ?? ''), rmsDb: prosody?.rmsDb ?? null });
      }
    }
  }

  private async closeLane(l: Lane, release: boolean): Promise<void> {
    if (this.lanes.get(l.streamId) !== l) return;
    this.lanes.delete(l.streamId);
    await l.consumer.stop();
    this.finished.handled += l.consumer.stats.handled;
    this.finished.claimed += l.consumer.stats.claimed;
    this.finished.failed += l.consumer.stats.failed;
    await l.analyzer.finish().catch((err) => this.log.error({ err }, 'stage drain failed'));
    if (release) await l.lease.release().catch(() => undefined);
  }
}
