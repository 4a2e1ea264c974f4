/**
 * Emotion stage for one stream. Sampled frames are paired with their detections (pairing.ts); in each
 * pair the person boxes due under the per-track bound (track-budget.ts) get their faces found
 * (face-finder.ts) and cropped (face-crop.ts); the crops of a group of frames go to the emotion endpoint
 * in one call; rows go to `emotions` and every paired frame gets exactly one `emotions` message, in pts
 * order: its faces (possibly none: looked at, no face visible), or `skipped` with why it was not looked
 * at. Only failures (endpoint error, open breaker, spend cap, invalid reply, queue full) are skip rows;
 * `rate_bound` (every person analysed less than an interval ago), `no_person` and `no_detections` (the
 * frame's detection was skipped) are ordinary outcomes, counted in the stats. Messages for every paired
 * frame let a consumer (the VLM) know how far the stage has got.
 */
import { VideoAgentError } from '../../errors';
import { childLogger } from '../../obs/logger';
import type { InferenceClient } from '../../runpod/inference';
import type { EmotionRow } from '../../store';
import type { DetectionsMsg, EmotionsMsg, FaceEmotion, FrameMsg } from '../../topics';
import { BoundedQueue, type OverflowPolicy } from '../common/bounded-queue';
import { endpointCallRow, skipReason, type SkipReason } from '../common/outcomes';
import type { RowWriters } from '../common/rows';
import type { Publish } from '../stage';
import { cropFaces, type CropOptions } from './face-crop';
import type { Box, FaceFinder } from './face-finder';
import { FramePairing, type Paired, type PairingState } from './pairing';
import { TrackBudget } from './track-budget';

export type EmotionsPort = Pick<InferenceClient, 'emotions'>;

/** Outcomes of a looked-at-or-not frame that are not failures (no skip row). */
export type NotLookedAt = 'rate_bound' | 'no_person' | 'no_detections';

export interface EmotionStageOptions {
  streamId: string;
  emotions: EmotionsPort;
  finder: FaceFinder;
  rows: RowWriters;
  publish: Publish;
  /** Classes whose boxes are searched for a face. */
  personClasses: string[];
  maxFacesPerFrame: number;
  trackIntervalMs: number;
  sampleEveryMs: number;
  crop: CropOptions;
  /** Paired frames per endpoint call (their faces go in one request). */
  batchFrames: number;
  maxBatchAgeMs: number;
  queueCapacity: number;
  pairBuffer: number;
  overflow: OverflowPolicy;
  /**
   * A frame waits (its bus loop is held) while `pairBuffer` frames already wait for their detections,
   * instead of evicting the oldest: files, where detection may lag ingest by any amount. Only when another
   * stage of this process's graph produces the detections (else nothing would ever free a slot).
   */
  waitForDetections?: boolean;
  state?: EmotionState | null;
}

/** Handed over between workers: the pairing buffers, the per-track bookings, and how far it has got. */
export interface EmotionState {
  pairing: { frames: (Omit<FrameMsg, 'jpeg'> & { jpeg: string })[]; detections: PairingState['detections']; lastFrameUs: number };
  tracks: Record<string, number>;
  doneUpToUs: number;
}

export interface EmotionStats {
  framesIn: number;
  detectionsIn: number;
  framesSampledOut: number;
  framesUnpaired: number;
  detectionsUnpaired: number;
  /** Paired frames: each has one emotions message. */
  framesPaired: number;
  framesLookedAt: number;
  framesRateBound: number;
  framesNoPerson: number;
  framesNoDetections: number;
  framesSkipped: number;
  framesDropped: number;
  facesFound: number;
  facesAnalysed: number;
  peopleWithoutFace: number;
  calls: number;
  failedCalls: number;
  /** Local CPU spent finding and cropping faces (ms, total and per looked-at frame). */
  finderMs: number;
  finderMsPerFrame: number;
  faceFinder: string;
  queueHighWater: number;
  queueCapacity: number;
}

export type BatchItem = { frame: FrameMsg } | { detections: DetectionsMsg };

interface Job { pair: Paired; enqueuedAt: number; awaited: boolean; settle?: () => void }
interface Prepared { job: Job; outcome: NotLookedAt | null; faces: { trackId: number | null; bbox: Box }[]; crops: Buffer[] }

export class EmotionStage {
  private readonly log;
  private readonly pairing: FramePairing;
  private readonly budget: TrackBudget;
  private readonly queue: BoundedQueue<Job>;
  private readonly personClasses: Set<string>;
  private running: Promise<void> | null = null;
  private ageTimer: NodeJS.Timeout | null = null;
  private batchEnqueueing = 0;
  private closed = false;
  private doneUpToUs: number;
  private pairingWaiters: (() => void)[] = [];
  private readonly s: Omit<EmotionStats, 'framesSampledOut' | 'framesUnpaired' | 'detectionsUnpaired' | 'finderMsPerFrame' | 'queueHighWater' | 'framesDropped'>;

  constructor(private readonly o: EmotionStageOptions) {
    this.log = childLogger({ stage: 'emotion', streamId: o.streamId });
    const st = o.state ?? null;
    this.pairing = new FramePairing(o.pairBuffer, o.sampleEveryMs * 1000, st && {
      frames: st.pairing.frames.map((f) => ({ ...f, jpeg: Buffer.from(f.jpeg, 'base64') })), detections: st.pairing.detections, lastFrameUs: st.pairing.lastFrameUs,
    });
    this.budget = new TrackBudget(o.trackIntervalMs * 1000, o.maxFacesPerFrame, 1024, st?.tracks);
    this.doneUpToUs = st?.doneUpToUs ?? -1;
    this.personClasses = new Set(o.personClasses);
    this.queue = new BoundedQueue<Job>(o.queueCapacity, o.overflow, (j) => {
      void this.fail([j], 'queue_full', `queue capacity ${o.queueCapacity} reached; oldest frame dropped`).finally(() => j.settle?.());
    });
    this.s = {
      framesIn: 0, detectionsIn: 0, framesPaired: 0, framesLookedAt: 0, framesRateBound: 0, framesNoPerson: 0, framesNoDetections: 0, framesSkipped: 0,
      facesFound: 0, facesAnalysed: 0, peopleWithoutFace: 0, calls: 0, failedCalls: 0, finderMs: 0, faceFinder: o.finder.kind, queueCapacity: o.queueCapacity,
    };
  }

  async onFrame(f: FrameMsg, settle?: (p: Promise<void>) => void): Promise<void> {
    this.s.framesIn++;
    // A bus read (settle given) never waits here: the detections that would free a slot may be in its next read.
    while (this.o.waitForDetections && !settle && !this.closed && this.pairing.waitingFrames >= this.o.pairBuffer) {
      await new Promise<void>((r) => this.pairingWaiters.push(r));
    }
    await this.enqueue(this.pairing.onFrame(f), settle);
  }

  async onDetections(d: DetectionsMsg, settle?: (p: Promise<void>) => void): Promise<void> {
    this.s.detectionsIn++;
    const pairs = this.pairing.onDetections(d);
    this.wakePairing();
    await this.enqueue(pairs, settle);
  }

  private wakePairing(): void {
    for (const w of this.pairingWaiters.splice(0)) w();
  }

  /**
   * A bus read at once: resolves once every frame it paired has its outcome recorded (rows or skips) and
   * published; frames still waiting for their detections are in `state()`.
   */
  async pushBatchAndWait(inputs: BatchItem[]): Promise<void> {
    const done: Promise<void>[] = [];
    const collect = (p: Promise<void>) => { done.push(p); };
    this.batchEnqueueing++;
    try {
      for (const i of inputs) {
        if ('frame' in i) await this.onFrame(i.frame, collect);
        else await this.onDetections(i.detections, collect);
      }
    } finally {
      this.batchEnqueueing--;
    }
    this.pump();
    await Promise.all(done);
  }

  /** Processes what is queued; frames still without detections will not get them (end of stream). */
  async close(): Promise<void> {
    this.pairing.drain();
    this.wakePairing();
    for (;;) {
      this.pump(true);
      if (!this.running) break;
      await this.running;
    }
    this.closed = true;
    if (this.ageTimer) clearTimeout(this.ageTimer);
    this.ageTimer = null;
    await this.o.finder.close();
  }

  state(): EmotionState {
    const p = this.pairing.snapshot();
    return {
      pairing: { frames: p.frames.map((f) => ({ ...f, jpeg: f.jpeg.toString('base64') })), detections: p.detections, lastFrameUs: p.lastFrameUs },
      tracks: this.budget.snapshot(), doneUpToUs: this.doneUpToUs,
    };
  }

  getStats(): EmotionStats {
    return {
      ...this.s, ...this.pairing.stats, framesDropped: this.queue.droppedCount, queueHighWater: this.queue.maxLength,
      finderMs: Math.round(this.s.finderMs), finderMsPerFrame: this.s.framesLookedAt ? Math.round(this.s.finderMs / this.s.framesLookedAt) : 0,
    };
  }

  private async enqueue(pairs: Paired[], settle?: (p: Promise<void>) => void): Promise<void> {
    if (this.closed) throw new Error('emotion stage is closed');
    for (const pair of pairs) {
      // Redelivered after a hand-over: its outcome is recorded already.
      if (pair.frame.ptsUs <= this.doneUpToUs) continue;
      this.s.framesPaired++;
      let resolve!: () => void;
      const done = new Promise<void>((r) => { resolve = r; });
      settle?.(done);
      await this.queue.push({ pair, enqueuedAt: Date.now(), awaited: settle !== undefined, settle: resolve });
    }
    this.pump();
  }

  /** One group at a time: the face finder is one local thread and the group's faces are one call. */
  private pump(force = false): void {
    if (this.running || this.queue.length === 0) { this.armAgeTimer(); return; }
    const oldest = this.queue.peekOldest() as Job;
    const full = this.queue.length >= this.o.batchFrames;
    const aged = Date.now() - oldest.enqueuedAt >= this.o.maxBatchAgeMs;
    // A waiting caller (a bus read) sends nothing more until its frames settle: waiting for age is useless.
    const awaited = oldest.awaited && this.batchEnqueueing === 0;
    if (!full && !aged && !awaited && !force) { this.armAgeTimer(); return; }
    const jobs = this.queue.take(this.o.batchFrames);
    this.running = this.runGroup(jobs)
      .catch((err) => this.log.error({ err }, 'emotion group failed'))
      .finally(() => {
        for (const j of jobs) j.settle?.();
        this.running = null;
        this.pump(force);
      });
  }

  private armAgeTimer(): void {
    if (this.ageTimer || this.queue.length === 0 || this.closed) return;
    const oldest = this.queue.peekOldest() as Job;
    const wait = Math.max(0, this.o.maxBatchAgeMs - (Date.now() - oldest.enqueuedAt));
    this.ageTimer = setTimeout(() => { this.ageTimer = null; this.pump(); }, wait);
    this.ageTimer.unref();
  }

  private async runGroup(jobs: Job[]): Promise<void> {
    const prepared: (Prepared | { job: Job; failed: { reason: SkipReason; detail: string } })[] = [];
    for (const job of jobs) {
      try {
        prepared.push(await this.prepare(job));
      } catch (err) {
        // The local face finder failed on this frame: recorded like a failed call, the rest goes on.
        const { reason, detail } = skipReason(err);
        prepared.push({ job, failed: { reason, detail: `face finder: ${detail}` } });
      }
    }
    const sending = prepared.filter((p): p is Prepared => 'crops' in p && p.crops.length > 0);
    const call = await this.call(sending);
    const rows: EmotionRow[] = [];
    const msgs: EmotionsMsg[] = [];
    const skipped: { job: Job; reason: SkipReason; detail: string }[] = [];
    let next = 0;
    for (const p of prepared) {
      const f = p.job.pair.frame;
      const failed = 'failed' in p ? p.failed : p.crops.length && !call.ok ? call.failed : null;
      if (failed) {
        skipped.push({ job: p.job, ...failed });
        msgs.push(outcome(f, [], failed.reason, null));
        continue;
      }
      const q = p as Prepared;
      const faces: FaceEmotion[] = q.faces.map((face, faceIdx) => {
        const r = (call.ok ? call.results : [])[next++];
        const confidence = r.scores[r.emotion] ?? Math.max(0, ...Object.values(r.scores));
        return { faceIdx, trackId: face.trackId, bbox: face.bbox, emotion: r.emotion, confidence, scores: r.scores };
      });
      for (const face of faces) rows.push({ streamId: f.streamId, ptsUs: f.ptsUs, ts: f.ts, faceIdx: face.faceIdx, emotion: face.emotion, confidence: face.confidence, scores: face.scores, bbox: face.bbox, trackId: face.trackId });
      this.s.facesAnalysed += faces.length;
      msgs.push(outcome(f, faces, q.outcome, faces.length && call.ok ? call.model : null));
    }
    // Rows and skip rows must be durable before the frames count as done (a bus read is then acked);
    // messages carry the results themselves and go out in pts order meanwhile.
    const written = rows.length ? this.o.rows.writeEmotions(rows) : Promise.resolve();
    written.catch(() => undefined);
    this.s.framesSkipped += skipped.length;
    for (const k of skipped) await this.recordSkip(k.job, k.reason, k.detail);
    for (const m of msgs) await this.o.publish('emotions', m);
    await written;
    for (const j of jobs) this.doneUpToUs = Math.max(this.doneUpToUs, j.pair.frame.ptsUs);
  }

  /** One endpoint call for every crop of the group (none: no call). */
  private async call(sending: Prepared[]): Promise<{ ok: true; results: { emotion: string; scores: Record<string, number> }[]; model: string } | { ok: false; failed: { reason: SkipReason; detail: string } }> {
    const crops = sending.flatMap((p) => p.crops);
    if (!crops.length) return { ok: true, results: [], model: '' };
    const ptsUs = sending[0].job.pair.frame.ptsUs;
    const started = Date.now();
    this.s.calls++;
    try {
      const r = await this.o.emotions.emotions(crops, { streamId: this.o.streamId });
      if (r.output.results.length !== crops.length) {
        throw new VideoAgentError('E_BAD_REPLY', `emotion endpoint returned ${r.output.results.length} results for ${crops.length} faces`, { kind: 'bad_reply' });
      }
      await this.o.rows.recordEndpointCall(endpointCallRow({ streamId: this.o.streamId, endpoint: 'emotion', ptsUs, ok: true, ms: Date.now() - started, billing: r.billing }));
      return { ok: true, results: r.output.results, model: r.model };
    } catch (err) {
      const { reason, detail } = skipReason(err);
      this.s.failedCalls++;
      this.log.warn({ reason, detail, frames: sending.length, faces: crops.length }, 'emotion call failed; its frames are skipped');
      await this.o.rows.recordEndpointCall(endpointCallRow({ streamId: this.o.streamId, endpoint: 'emotion', ptsUs, ok: false, error: detail, ms: Date.now() - started }))
        .catch((e) => this.log.error({ err: e }, 'could not record the failed call'));
      return { ok: false, failed: { reason, detail } };
    }
  }

  /** The frame's people due now, their faces and crops (nothing to send: the outcome says why). */
  private async prepare(job: Job): Promise<Prepared> {
    const { frame, detections } = job.pair;
    if (detections.skipped) {
      this.s.framesNoDetections++;
      return { job, outcome: 'no_detections', faces: [], crops: [] };
    }
    const people = detections.detections.filter((d) => this.personClasses.has(d.className));
    if (!people.length) {
      this.s.framesNoPerson++;
      return { job, outcome: 'no_person', faces: [], crops: [] };
    }
    const picks = this.budget.pick(frame.ptsUs, people);
    if (!picks.length) {
      this.s.framesRateBound++;
      return { job, outcome: 'rate_bound', faces: [], crops: [] };
    }
    this.s.framesLookedAt++;
    const started = performance.now();
    const found = await this.o.finder.find(frame.jpeg, picks.map((p) => p.person), people);
    const faces: { trackId: number | null; bbox: Box }[] = [];
    found.forEach((face, i) => {
      if (face) faces.push({ trackId: picks[i].person.trackId, bbox: clipBox(face.bbox, frame.width, frame.height) });
      else this.s.peopleWithoutFace++;
    });
    this.s.facesFound += faces.length;
    const crops = await cropFaces(frame.jpeg, faces.map((f) => f.bbox), this.o.crop);
    this.s.finderMs += performance.now() - started;
    return { job, outcome: null, faces, crops };
  }

  /** Frames that could not be analysed (dropped from the queue): a skip row each, then their `skipped` message. */
  private async fail(jobs: Job[], reason: SkipReason, detail: string): Promise<void> {
    this.s.framesSkipped += jobs.length;
    for (const j of jobs) await this.recordSkip(j, reason, detail);
    for (const j of jobs) await this.o.publish('emotions', outcome(j.pair.frame, [], reason, null)).catch((err) => this.log.error({ err }, 'could not publish a skipped frame'));
  }

  private async recordSkip(j: Job, reason: SkipReason, detail: string): Promise<void> {
    const f = j.pair.frame;
    await this.o.rows.recordSkip({ streamId: f.streamId, stage: 'emotion', ptsUs: f.ptsUs, endUs: f.ptsUs, ts: f.ts, reason, detail })
      .catch((err) => this.log.error({ err }, 'could not record an emotion skip'));
  }
}

function outcome(f: FrameMsg, faces: FaceEmotion[], skipped: string | null, model: string | null): EmotionsMsg {
  return { streamId: f.streamId, ptsUs: f.ptsUs, ts: f.ts, width: f.width, height: f.height, faces, skipped, model };
}

function clipBox(b: Box, w: number, h: number): Box {
  const c = (v: number, max: number) => Math.round(Math.min(max, Math.max(0, v)) * 10) / 10;
  return [c(b[0], w), c(b[1], h), c(b[2], w), c(b[3], h)];
}
