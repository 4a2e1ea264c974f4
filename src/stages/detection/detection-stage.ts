/**
 * Detection stage for one stream: sampled frames are batched (size and age limits) into the detection
 * endpoint, the stream's tracker assigns track ids in frame order, rows go to the store and every frame
 * gets exactly one outcome message on `detections:<streamId>` (its boxes, or `skipped` with the reason).
 *
 * Degradation: the queue in front of the endpoint is bounded. Files block the producer (nothing lost).
 * Live sources thin the frames they analyse when the endpoint cannot keep up (adaptive-stride.ts,
 * recorded as `fps_adapted`) and evict the oldest queued frames if that is not enough (`queue_full`).
 * A failed batch (endpoint error, open breaker, spend cap) is recorded frame by frame and the stage moves
 * on: ingestion is never blocked by a failing endpoint. */
import { VideoAgentError } from '../../errors';
import { childLogger } from '../../obs/logger';
import type { DetectPort, DetectedBox } from '../../runpod/inference';
import type { DetectionRow } from '../../store';
import type { DetectedObject, DetectionsMsg, FrameMsg } from '../../topics';
import { BoundedQueue, type OverflowPolicy } from '../common/bounded-queue';
import { endpointCallRow, skipReason, type SkipReason } from '../common/outcomes';
import type { RowWriters } from '../common/rows';
import type { Publish } from '../stage';
import { AdaptiveStride } from './adaptive-stride';
import type { TrackerPort } from './bytetrack-port';

export interface DetectionStageOptions {
  streamId: string;
  detect: DetectPort;
  tracker: TrackerPort;
  rows: RowWriters;
  publish: Publish;
  /** Frames per endpoint call. */
  batchSize?: number;
  /** A partial batch is sent once its oldest frame has waited this long. */
  maxBatchAgeMs?: number;
  /** Frames waiting for a batch slot. */
  queueCapacity?: number;
  /** Batches in flight at once (the endpoint's bulkhead still applies on top). */
  maxInFlight?: number;
  overflow?: OverflowPolicy;
  /** The pts of the last frame the (handed-over) tracker has seen; older frames are not tracked again. */
  trackedUpToUs?: number;
  /** Live sources: analyse every k-th frame while the endpoint cannot keep up (default on with drop-oldest). */
  adaptiveFps?: boolean;
}

export interface DetectionStats {
  framesIn: number;
  framesDetected: number;
  framesSkipped: number;
  framesDropped: number;
  detections: number;
  /** Frames older than the tracker's latest (redelivered or reclaimed late): stored without track ids. */
  framesUntracked: number;
  /** Live sources: frames passed over because detection could not keep up (recorded as `fps_adapted`). */
  framesThinned: number;
  /** Analyse 1 frame in this many (1 = every frame). */
  stride: number;
  batches: number;
  queueHighWater: number;
  queueCapacity: number;
}

type Frame = FrameMsg;
/** `settle` resolves a `pushAndWait` caller once the frame was detected, skipped or dropped. */
interface Queued { frame: Frame; enqueuedAt: number; settle?: () => void }

export class DetectionStage {
  private readonly log;
  private readonly queue: BoundedQueue<Queued>;
  private readonly batchSize: number;
  private readonly maxBatchAgeMs: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly inFlightSettled = new Set<Promise<void>>();
  /** Tracking must see frames in pts order even when batches complete out of order. */
  private trackingChain: Promise<void> = Promise.resolve();
  private ageTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** >0 while pushBatchAndWait is still enqueueing: its partial tail must wait for the rest of the batch. */
  private batchEnqueueing = 0;
  /** The tracker must only move forward in media time: a frame from its past would be matched as motion. */
  private lastTrackedUs: number;
  private readonly stats: DetectionStats;
  private readonly stride: AdaptiveStride | null;

  constructor(private readonly opts: DetectionStageOptions) {
    this.log = childLogger({ stage: 'detection', streamId: opts.streamId });
    this.batchSize = opts.batchSize ?? 8;
    this.maxBatchAgeMs = opts.maxBatchAgeMs ?? 250;
    this.maxInFlight = opts.maxInFlight ?? 2;
    this.lastTrackedUs = opts.trackedUpToUs ?? -1;
    const capacity = opts.queueCapacity ?? 64;
    this.queue = new BoundedQueue<Queued>(capacity, opts.overflow ?? 'block', (q) => {
      void this.onDropped(q.frame).finally(() => q.settle?.());
    });
    this.stats = { framesIn: 0, framesDetected: 0, framesSkipped: 0, framesDropped: 0, detections: 0, framesUntracked: 0, framesThinned: 0, stride: 1, batches: 0, queueHighWater: 0, queueCapacity: capacity };
    this.stride = (opts.adaptiveFps ?? opts.overflow === 'drop-oldest') ? new AdaptiveStride() : null;
  }

  /** Accepts a frame; resolves when it is queued (may wait under the `block` policy). */
  async push(frame: Frame): Promise<void> {
    if (this.stride && !this.stride.admit(this.queue.length / this.queue.capacity)) {
      this.stats.framesIn++;
      this.stats.framesThinned++;
      this.stats.framesSkipped++;
      await this.recordSkip(frame, 'fps_adapted', `detection keeps up with 1 frame in ${this.stride.stride}`)
        .catch((err) => this.log.error({ err }, 'could not record a passed-over frame'));
      return;
    }
    await this.enqueue(frame);
  }

  /**
   * Resolves only once the frame's result (or its skip) is recorded: a bus consumer that acknowledges
   * after this never loses a frame to a crash (at-least-once; the writes are idempotent).
   */
  async pushAndWait(frame: Frame): Promise<void> {
    await this.pushBatchAndWait([frame]);
  }

  /**
   * A bus batch at once: the frames go out in endpoint batches of `batchSize` (the tail at once, not after
   * the age limit, since its caller sends nothing more until this resolves), and this resolves once every
   * frame has its outcome recorded (detections or a skip), so the caller may then acknowledge them all.
   */
  async pushBatchAndWait(frames: Frame[]): Promise<void> {
    const done: Promise<void>[] = [];
    this.batchEnqueueing++;
    try {
      for (const frame of frames) {
        let settle!: () => void;
        done.push(new Promise<void>((r) => { settle = r; }));
        await this.enqueue(frame, settle);
      }
    } finally {
      this.batchEnqueueing--;
    }
    this.pump();
    await Promise.all(done);
  }

  private async enqueue(frame: Frame, settle?: () => void): Promise<void> {
    if (this.closed) throw new Error('detection stage is closed');
    this.stats.framesIn++;
    await this.queue.push({ frame, enqueuedAt: Date.now(), settle });
    this.pump();
  }

  /** Sends whatever is queued, waits for every batch and every tracking step. */
  async flush(): Promise<void> {
    for (;;) {
      this.pump(true);
      if (this.queue.length === 0 && this.inFlight === 0) break;
      await Promise.race([...this.inFlightSettled]);
    }
    await this.trackingChain;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.ageTimer) clearTimeout(this.ageTimer);
    this.ageTimer = null;
  }

  getStats(): DetectionStats {
    return { ...this.stats, framesDropped: this.queue.droppedCount, queueHighWater: this.queue.maxLength, stride: this.stride?.stride ?? 1 };
  }

  trackerSnapshot(): unknown { return this.opts.tracker.snapshot(); }

  /** The pts of the last frame the tracker has seen (-1: none); handed over with the snapshot. */
  trackedUpToUs(): number { return this.lastTrackedUs; }

  private pump(force = false): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const oldest = this.queue.peekOldest() as Queued;
      const full = this.queue.length >= this.batchSize;
      const aged = Date.now() - oldest.enqueuedAt >= this.maxBatchAgeMs;
      // A waiting caller (a bus batch) sends nothing more until its frames settle: waiting for age is useless.
      const awaited = oldest.settle !== undefined && this.batchEnqueueing === 0;
      if (!full && !aged && !awaited && !force) break;
      this.dispatch(this.queue.take(this.batchSize));
    }
    this.armAgeTimer();
  }

  private armAgeTimer(): void {
    if (this.ageTimer || this.queue.length === 0 || this.closed) return;
    const oldest = this.queue.peekOldest() as Queued;
    const wait = Math.max(0, this.maxBatchAgeMs - (Date.now() - oldest.enqueuedAt));
    this.ageTimer = setTimeout(() => { this.ageTimer = null; this.pump(); }, wait);
    this.ageTimer.unref();
  }

  private dispatch(items: Queued[]): void {
    const frames = items.map((q) => q.frame);
    this.inFlight++;
    this.stats.batches++;
    const started = Date.now();
    const reply = this.opts.detect.detect(frames.map((f) => f.jpeg), { streamId: this.opts.streamId });
    // The reply is awaited only when the tracking chain reaches it: a failure while an earlier batch is
    // still being tracked would otherwise be an unhandled rejection (fatal by default in Node).
    reply.catch(() => undefined);
    // Chain tracking in submission order; a failed call still occupies its slot so order is kept.
    const tracked = this.trackingChain.then(async () => {
      try {
        const r = await reply;
        await this.opts.rows.recordEndpointCall(endpointCallRow({ streamId: this.opts.streamId, endpoint: 'yolo', ptsUs: frames[0].ptsUs, ok: true, ms: Date.now() - started, billing: r.billing }));
        await this.applyResults(frames, r.perImage);
      } catch (err) {
        await this.recordFailure(frames, err, Date.now() - started);
      }
    });
    this.trackingChain = tracked
      .catch((err) => { this.log.error({ err }, 'detection result handling failed'); })
      .finally(() => {
        for (const q of items) q.settle?.();
      });
    const settled: Promise<void> = this.trackingChain.finally(() => {
      this.inFlight--;
      this.inFlightSettled.delete(settled);
      this.pump();
    });
    this.inFlightSettled.add(settled);
  }

  private async applyResults(frames: Frame[], perImage: DetectedBox[][]): Promise<void> {
    if (perImage.length !== frames.length) {
      throw new VideoAgentError('E_BAD_REPLY', `detection endpoint returned ${perImage.length} results for ${frames.length} images`, { kind: 'bad_reply' });
    }
    const rows: DetectionRow[] = [];
    const msgs: DetectionsMsg[] = [];
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      // Every detection is kept; the ones the tracker assigned carry their id. A frame from the tracker's
      // past (redelivered after a crash, or reclaimed late) keeps its detections without ids.
      let withIds: DetectedObject[];
      if (f.ptsUs > this.lastTrackedUs) {
        withIds = this.opts.tracker.update(perImage[i], f.ptsUs);
        this.lastTrackedUs = f.ptsUs;
      } else {
        withIds = perImage[i].map((d) => ({ ...d, trackId: null }));
        this.stats.framesUntracked++;
      }
      for (const [detIdx, d] of withIds.entries()) {
        rows.push({ streamId: f.streamId, ptsUs: f.ptsUs, ts: f.ts, detIdx, classId: d.classId, className: d.className, confidence: d.confidence, bbox: d.bbox, trackId: d.trackId });
      }
      this.stats.framesDetected++;
      this.stats.detections += withIds.length;
      msgs.push(outcome(f, withIds, null));
    }
    // The messages carry the results themselves, so they need not wait for the commit; the frames count
    // as done (and a bus batch may be acknowledged) only once the rows are durable.
    const written = rows.length ? this.opts.rows.writeDetections(rows) : Promise.resolve();
    written.catch(() => undefined);
    for (const m of msgs) await this.opts.publish('detections', m);
    await written;
  }

  private async recordFailure(frames: Frame[], err: unknown, ms: number): Promise<void> {
    const { reason, detail } = skipReason(err);
    this.log.warn({ reason, detail, frames: frames.length }, 'detection batch skipped');
    this.stats.framesSkipped += frames.length;
    try {
      await this.opts.rows.recordEndpointCall(endpointCallRow({ streamId: this.opts.streamId, endpoint: 'yolo', ptsUs: frames[0].ptsUs, ok: false, error: detail, ms }));
      for (const f of frames) await this.recordSkip(f, reason, detail);
    } catch (e) {
      this.log.error({ err: e }, 'could not record skipped frames');
    }
  }

  private async onDropped(frame: Frame): Promise<void> {
    this.stats.framesSkipped++;
    await this.recordSkip(frame, 'queue_full', `queue capacity ${this.queue.capacity} reached; oldest frame dropped`)
      .catch((err) => this.log.error({ err }, 'could not record dropped frame'));
  }

  /** The skip row, then the frame's outcome message (every accepted frame gets exactly one). */
  private async recordSkip(f: Frame, reason: SkipReason, detail: string): Promise<void> {
    await this.opts.rows.recordSkip({ streamId: f.streamId, stage: 'detection', ptsUs: f.ptsUs, endUs: f.ptsUs, ts: f.ts, reason, detail });
    await this.opts.publish('detections', outcome(f, [], reason));
  }
}

function outcome(f: Frame, detections: DetectedObject[], skipped: SkipReason | null): DetectionsMsg {
  return { streamId: f.streamId, ptsUs: f.ptsUs, ts: f.ts, width: f.width, height: f.height, detections, skipped };
}
