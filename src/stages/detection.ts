/**
 * Detection stage for one stream: sampled frames are batched (size and age limits) into the detection
 * endpoint, the stream's tracker assigns track ids in frame order, rows go to the store and each frame's
 * detections are published on `detections:<streamId>`.
 *
 * Degradation: the queue in front of the endpoint is bounded. Files block the producer (nothing lost);
 * live sources evict the oldest queued frames (counted, recorded as `queue_full` skips). A failed batch
 * (endpoint error, open breaker, spend cap) is recorded frame by frame and the stage moves on: ingestion is
 * never blocked by a failing endpoint.
 */
import type { Detection, Frame } from '../types';
import { childLogger } from '../obs/logger';
import { BoundedQueue, type OverflowPolicy } from './bounded-queue';
import { classifyFailure } from './failures';
import type { DetectPort, DetectionRow, Publisher, ResultSink, TrackerPort } from './ports';

export interface DetectionStageOptions {
  streamId: string;
  detect: DetectPort;
  tracker: TrackerPort;
  sink: ResultSink;
  publisher: Publisher;
  /** Frames per endpoint call. */
  batchSize?: number;
  /** A partial batch is sent once its oldest frame has waited this long. */
  maxBatchAgeMs?: number;
  /** Frames waiting for a batch slot. */
  queueCapacity?: number;
  /** Batches in flight at once (the endpoint's bulkhead still applies on top). */
  maxInFlight?: number;
  overflow?: OverflowPolicy;
  /** Called with a frame's pts once it is detected, skipped or dropped (the VLM's context watermark). */
  onProgress?: (ptsUs: number) => void;
  /** The pts of the last frame the (handed-over) tracker has seen; older frames are not tracked again. */
  trackedUpToUs?: number;
}

export interface DetectionStats {
  framesIn: number;
  framesDetected: number;
  framesSkipped: number;
  framesDropped: number;
  detections: number;
  /** Frames older than the tracker's latest (redelivered or reclaimed late): stored without track ids. */
  framesUntracked: number;
  batches: number;
  queueHighWater: number;
  queueCapacity: number;
}

/** `settle` resolves a `pushAndWait` caller once the frame was detected, skipped or dropped. */
interface Queued { frame: Frame; enqueuedAt: number; settle?: () => void }

/** What other stages know about a frame when it arrives, stored on its `frames` row. */
export interface FrameMeta {
  /** The VLM stage's scene-change distance to the previous sampled frame (null: not sampled, or the first). */
  sceneScore?: number | null;
}

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

  constructor(private readonly opts: DetectionStageOptions) {
    this.log = childLogger({ stage: 'detection', streamId: opts.streamId });
    this.batchSize = opts.batchSize ?? 8;
    this.maxBatchAgeMs = opts.maxBatchAgeMs ?? 250;
    this.maxInFlight = opts.maxInFlight ?? 2;
    this.lastTrackedUs = opts.trackedUpToUs ?? -1;
    const capacity = opts.queueCapacity ?? 64;
    this.queue = new BoundedQueue<Queued>(capacity, opts.overflow ?? 'block', (q) => { this.onDropped(q.frame); q.settle?.(); this.opts.onProgress?.(q.frame.ptsUs); });
    this.stats = { framesIn: 0, framesDetected: 0, framesSkipped: 0, framesDropped: 0, detections: 0, framesUntracked: 0, batches: 0, queueHighWater: 0, queueCapacity: capacity };
  }

  /** Accepts a frame; resolves when it is queued (may wait under the `block` policy). */
  async push(frame: Frame, meta: FrameMeta = {}): Promise<void> {
    await this.enqueue(frame, meta);
  }

  /**
   * Resolves only once the frame's result (or its skip) is recorded: a bus consumer that acknowledges
   * after this never loses a frame to a crash (at-least-once; the writes are idempotent).
   */
  async pushAndWait(frame: Frame, meta: FrameMeta = {}): Promise<void> {
    await this.pushBatchAndWait([frame], [meta]);
  }

  /**
   * A bus batch at once: the frames go out in endpoint batches of `batchSize` (the tail at once, not after
   * the age limit, since its caller sends nothing more until this resolves), and this resolves once every
   * frame has its outcome recorded (detections or a skip), so the caller may then acknowledge them all.
   */
  async pushBatchAndWait(frames: Frame[], metas: FrameMeta[] = []): Promise<void> {
    const done: Promise<void>[] = [];
    this.batchEnqueueing++;
    try {
      for (const [i, frame] of frames.entries()) {
        let settle!: () => void;
        done.push(new Promise<void>((r) => { settle = r; }));
        await this.enqueue(frame, metas[i] ?? {}, settle);
      }
    } finally {
      this.batchEnqueueing--;
    }
    this.pump();
    await Promise.all(done);
  }

  private async enqueue(frame: Frame, meta: FrameMeta, settle?: () => void): Promise<void> {
    if (this.closed) throw new Error('detection stage is closed');
    this.stats.framesIn++;
    await this.opts.sink.writeFrames([{
      streamId: frame.streamId, ptsUs: frame.ptsUs, ts: frame.ts, width: frame.width, height: frame.height,
      bytes: frame.jpeg.length, sceneScore: meta.sceneScore ?? null,
    }]);
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
    return { ...this.stats, framesDropped: this.queue.droppedCount, queueHighWater: this.queue.maxLength };
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
    const reply = this.opts.detect.detect(this.opts.streamId, frames.map((f) => f.jpeg));
    // The reply is awaited only when the tracking chain reaches it: a failure while an earlier batch is
    // still being tracked would otherwise be an unhandled rejection (fatal by default in Node).
    reply.catch(() => undefined);
    // Chain tracking in submission order; a failed call still occupies its slot so order is kept.
    const tracked = this.trackingChain.then(async () => {
      try {
        const r = await reply;
        await this.opts.sink.recordEndpointCall({ streamId: this.opts.streamId, endpoint: 'yolo', ptsUs: frames[0].ptsUs, ok: true, ms: Date.now() - started, billing: r.billing });
        await this.applyResults(frames, r.perImage);
      } catch (err) {
        await this.recordFailure(frames, err, Date.now() - started);
      }
    });
    this.trackingChain = tracked
      .catch((err) => { this.log.error({ err }, 'detection result handling failed'); })
      .finally(() => {
        for (const q of items) q.settle?.();
        this.opts.onProgress?.(frames[frames.length - 1].ptsUs);
      });
    const settled: Promise<void> = this.trackingChain.finally(() => {
      this.inFlight--;
      this.inFlightSettled.delete(settled);
      this.pump();
    });
    this.inFlightSettled.add(settled);
  }

  private async applyResults(frames: Frame[], perImage: DetectReplyList): Promise<void> {
    if (perImage.length !== frames.length) {
      throw Object.assign(new Error(`detection endpoint returned ${perImage.length} results for ${frames.length} images`), { code: 'E_BAD_REPLY' });
    }
    const rows: DetectionRow[] = [];
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      // Every detection is kept; the ones the tracker assigned carry their id. A frame from the tracker's
      // past (redelivered after a crash, or reclaimed late) keeps its detections without ids.
      let withIds: Detection[];
      if (f.ptsUs > this.lastTrackedUs) {
        withIds = this.opts.tracker.update(perImage[i], f.ptsUs);
        this.lastTrackedUs = f.ptsUs;
      } else {
        withIds = perImage[i].map((d) => ({ ...d, trackId: undefined }));
        this.stats.framesUntracked++;
      }
      for (const [detIdx, d] of withIds.entries()) {
        rows.push({ streamId: f.streamId, ptsUs: f.ptsUs, ts: f.ts, detIdx, classId: d.classId, className: d.className, confidence: d.confidence, bbox: d.bbox, trackId: d.trackId ?? null });
      }
      this.stats.framesDetected++;
      this.stats.detections += withIds.length;
      await this.opts.publisher.publish('detections', f.streamId, {
        stream_id: f.streamId, pts_us: f.ptsUs, ts: f.ts, width: f.width, height: f.height,
        detections: withIds.map((d) => ({ bbox: d.bbox, confidence: d.confidence, class_id: d.classId, class_name: d.className, track_id: d.trackId ?? null })),
      });
    }
    if (rows.length) await this.opts.sink.writeDetections(rows);
  }

  private async recordFailure(frames: Frame[], err: unknown, ms: number): Promise<void> {
    const { reason, detail } = classifyFailure(err);
    this.log.warn({ reason, detail, frames: frames.length }, 'detection batch skipped');
    this.stats.framesSkipped += frames.length;
    try {
      await this.opts.sink.recordEndpointCall({ streamId: this.opts.streamId, endpoint: 'yolo', ptsUs: frames[0].ptsUs, ok: false, error: detail, ms });
      for (const f of frames) await this.opts.sink.recordSkip({ streamId: f.streamId, stage: 'detection', ptsUs: f.ptsUs, endUs: f.ptsUs, ts: f.ts, reason, detail });
    } catch (e) {
      this.log.error({ err: e }, 'could not record skipped frames');
    }
  }

  private onDropped(frame: Frame): void {
    this.stats.framesSkipped++;
    this.opts.sink.recordSkip({ streamId: frame.streamId, stage: 'detection', ptsUs: frame.ptsUs, endUs: frame.ptsUs, ts: frame.ts, reason: 'queue_full', detail: `queue capacity ${this.queue.capacity} reached; oldest frame dropped` })
      .catch((err) => this.log.error({ err }, 'could not record dropped frame'));
  }
}

type DetectReplyList = Detection[][];
