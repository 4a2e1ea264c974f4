/**
 * Key frames for the analysis report, collected from the graph's tap while the stream runs (frames are not
 * stored as JPEG in the database). A bounded set whatever the stream length: the first frame, the largest
 * scene changes, the frame nearest each of the best events' start, and evenly spaced ones. Events and
 * detections arrive after their frames, so a small recent-frame buffer (one frame per `recentEveryMs` of
 * media time, bounded in bytes) is what an event picks its frame from, and every held frame keeps the
 * detections message of its own pts when it comes.
 */
import sharp from 'sharp';
import { childLogger } from '../obs/logger';
import type { MessageTap } from '../graph/stream-graph';
import type { DetectedObject, DetectionsMsg, EventMsg, FrameMsg } from '../topics';
import { drawDetections } from '../server/snapshot/draw-detections';

export type KeyFrameReason = 'first' | 'scene' | 'event' | 'even';

/** One key frame of the report: a downscaled JPEG with its detections drawn. */
export interface KeyFrame {
  ptsUs: number;
  /** Pixels of `jpeg` (the thumbnail). */
  width: number;
  height: number;
  /** Pixels of the analysed frame (the detections' coordinates). */
  frameWidth: number;
  frameHeight: number;
  jpeg: Buffer;
  reasons: KeyFrameReason[];
  sceneScore: number | null;
  /** Null when no detections message came for this frame (detection not run, or skipped). */
  objects: DetectedObject[] | null;
  /** The start of the event this frame illustrates, when chosen for one. */
  eventStartUs: number | null;
}

export interface KeyFrameOptions {
  /** Key frames in the report (default 24). */
  maxFrames?: number;
  /** Of those, at most this many for events and for scene changes each (default 8). */
  maxEventFrames?: number;
  maxSceneFrames?: number;
  /** Scene-change frames need at least this score (default 0.3, the VLM trigger's default). */
  minSceneScore?: number;
  /** Recent-frame buffer: one frame per this much media time (default 500 ms)… */
  recentEveryMs?: number;
  /** …at most this many bytes of JPEG (default 16 MiB). */
  recentMaxBytes?: number;
  /** An event picks a buffered frame at most this far from its start (default 5 s). */
  maxEventDistanceMs?: number;
  /** Thumbnail width (default 480 px) and JPEG quality (default 70). */
  thumbWidth?: number;
  quality?: number;
}

interface HeldFrame {
  ptsUs: number;
  width: number;
  height: number;
  jpeg: Buffer;
  sceneScore: number | null;
  objects: DetectedObject[] | null;
}

interface EventPick { frame: HeldFrame; startUs: number; score: number }

export class KeyFrameCollector {
  private readonly o: Required<KeyFrameOptions>;
  private readonly log = childLogger({ component: 'report-key-frames' });
  private first: HeldFrame | null = null;
  /** Sorted by ptsUs; the oldest go first when over budget. */
  private recent: HeldFrame[] = [];
  private recentBytes = 0;
  private scene: HeldFrame[] = [];
  private events: EventPick[] = [];
  /** Evenly spaced at `evenEveryUs`, which doubles (and every other one goes) when the list is full. */
  private even: HeldFrame[] = [];
  private evenEveryUs = 1_000_000;
  private streamId: string | null = null;

  constructor(opts: KeyFrameOptions = {}) {
    this.o = {
      maxFrames: Math.max(1, opts.maxFrames ?? 24),
      maxEventFrames: Math.max(0, opts.maxEventFrames ?? 8),
      maxSceneFrames: Math.max(0, opts.maxSceneFrames ?? 8),
      minSceneScore: opts.minSceneScore ?? 0.3,
      recentEveryMs: Math.max(1, opts.recentEveryMs ?? 500),
      recentMaxBytes: Math.max(1, opts.recentMaxBytes ?? 16 * 1024 * 1024),
      maxEventDistanceMs: opts.maxEventDistanceMs ?? 5000,
      thumbWidth: Math.max(16, opts.thumbWidth ?? 480),
      quality: Math.max(1, Math.min(100, opts.quality ?? 70)),
    };
  }

  /** Give this to `analyzeSource({ tap })`. Synchronous and never throws (the tap contract). */
  readonly tap: MessageTap = (topic, msg) => {
    try {
      if (topic === 'frames') this.onFrame(msg as FrameMsg);
      else if (topic === 'detections') this.onDetections(msg as DetectionsMsg);
      else if (topic === 'events') this.onEvent(msg as EventMsg);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, topic }, 'key frame collector: message ignored');
    }
  };

  /** Frames and bytes held now (the bound the tests check). */
  held(): { frames: number; bytes: number } {
    const all = this.allHeld();
    let bytes = 0;
    for (const f of all) bytes += f.jpeg.length;
    return { frames: all.size, bytes };
  }

  private allHeld(): Set<HeldFrame> {
    const all = new Set<HeldFrame>([...this.recent, ...this.scene, ...this.even, ...this.events.map((e) => e.frame)]);
    if (this.first) all.add(this.first);
    return all;
  }

  private onFrame(m: FrameMsg): void {
    if (this.streamId === null) this.streamId = m.streamId;
    if (m.streamId !== this.streamId) return;
    // Own copy: the tap's buffer may be a view of a larger one that would otherwise stay alive.
    const f: HeldFrame = { ptsUs: m.ptsUs, width: m.width, height: m.height, jpeg: Buffer.from(m.jpeg), sceneScore: m.sceneScore, objects: null };
    if (!this.first) this.first = f;

    const last = this.recent[this.recent.length - 1];
    if (!last || f.ptsUs - last.ptsUs >= this.o.recentEveryMs * 1000) {
      this.recent.push(f);
      this.recentBytes += f.jpeg.length;
      while (this.recentBytes > this.o.recentMaxBytes && this.recent.length > 1) this.recentBytes -= this.recent.shift()!.jpeg.length;
    }

    if (f.sceneScore !== null && f.sceneScore >= this.o.minSceneScore && this.o.maxSceneFrames > 0) {
      if (this.scene.length < this.o.maxSceneFrames) this.scene.push(f);
      else {
        const low = minIndex(this.scene, (s) => s.sceneScore ?? 0);
        if ((this.scene[low]!.sceneScore ?? 0) < f.sceneScore) this.scene[low] = f;
      }
    }

    const lastEven = this.even[this.even.length - 1];
    if (!lastEven || f.ptsUs - lastEven.ptsUs >= this.evenEveryUs) {
      this.even.push(f);
      if (this.even.length > 2 * this.o.maxFrames) {
        this.evenEveryUs *= 2;
        this.even = this.even.filter((_, i) => i % 2 === 0);
      }
    }
  }

  private onDetections(m: DetectionsMsg): void {
    if (m.streamId !== this.streamId || m.skipped) return;
    // Held frames are shared between the lists: setting it once on the object sets it everywhere.
    const set = (f: HeldFrame | null | undefined) => { if (f && f.ptsUs === m.ptsUs) f.objects = m.detections; };
    set(this.first);
    for (const f of this.scene) set(f);
    for (const f of this.even) set(f);
    for (const ev of this.events) set(ev.frame);
    // Detections come soon after their frame: scan the recent buffer from its newest end.
    for (let i = this.recent.length - 1; i >= 0 && this.recent[i]!.ptsUs >= m.ptsUs; i--) set(this.recent[i]);
  }

  private onEvent(m: EventMsg): void {
    if (m.streamId !== this.streamId || this.o.maxEventFrames === 0) return;
    if (this.events.length >= this.o.maxEventFrames) {
      const low = minIndex(this.events, (e) => e.score);
      if (this.events[low]!.score >= m.clipWorthyScore) return;
      this.events.splice(low, 1);
    }
    const frame = nearest([...this.recent, ...this.scene, ...(this.first ? [this.first] : [])], m.startUs);
    if (!frame || Math.abs(frame.ptsUs - m.startUs) > this.o.maxEventDistanceMs * 1000) return;
    this.events.push({ frame, startUs: m.startUs, score: m.clipWorthyScore });
  }

  /**
   * The chosen key frames in media-time order, drawn and downscaled. Budget: the first frame, then events
   * (best first), scene changes (largest first), then evenly spaced frames fill the rest.
   */
  async finish(): Promise<KeyFrame[]> {
    const chosen = new Map<HeldFrame, { reasons: Set<KeyFrameReason>; eventStartUs: number | null }>();
    const add = (f: HeldFrame, reason: KeyFrameReason, eventStartUs: number | null = null): void => {
      const c = chosen.get(f);
      if (c) {
        c.reasons.add(reason);
        if (c.eventStartUs === null) c.eventStartUs = eventStartUs;
      } else if (chosen.size < this.o.maxFrames) chosen.set(f, { reasons: new Set([reason]), eventStartUs });
    };
    if (this.first) add(this.first, 'first');
    for (const e of [...this.events].sort((a, b) => b.score - a.score)) add(e.frame, 'event', e.startUs);
    for (const s of [...this.scene].sort((a, b) => (b.sceneScore ?? 0) - (a.sceneScore ?? 0))) add(s, 'scene');
    const room = this.o.maxFrames - chosen.size;
    for (const f of evenlyPick(this.even.filter((f) => !chosen.has(f)), room)) add(f, 'even');

    const out: KeyFrame[] = [];
    for (const [f, c] of [...chosen].sort((a, b) => a[0].ptsUs - b[0].ptsUs)) {
      try {
        out.push(await this.render(f, [...c.reasons], c.eventStartUs));
      } catch (err) {
        this.log.warn({ err: (err as Error).message, ptsUs: f.ptsUs }, 'key frame not rendered');
      }
    }
    return out;
  }

  private async render(f: HeldFrame, reasons: KeyFrameReason[], eventStartUs: number | null): Promise<KeyFrame> {
    // Downscale first, then draw: the boxes and labels stay crisp at thumbnail size.
    const small = await sharp(f.jpeg).resize({ width: this.o.thumbWidth, withoutEnlargement: true }).jpeg({ quality: 90 }).toBuffer({ resolveWithObject: true });
    const objects = f.objects ?? [];
    const jpeg = objects.length
      ? await drawDetections(small.data, { width: f.width, height: f.height }, objects, { quality: this.o.quality })
      : await sharp(small.data).jpeg({ quality: this.o.quality }).toBuffer();
    return {
      ptsUs: f.ptsUs, width: small.info.width, height: small.info.height, frameWidth: f.width, frameHeight: f.height,
      jpeg, reasons, sceneScore: f.sceneScore, objects: f.objects, eventStartUs,
    };
  }
}

function minIndex<T>(list: T[], key: (t: T) => number): number {
  let best = 0;
  for (let i = 1; i < list.length; i++) if (key(list[i]!) < key(list[best]!)) best = i;
  return best;
}

function nearest(list: HeldFrame[], ptsUs: number): HeldFrame | null {
  let best: HeldFrame | null = null;
  for (const f of list) if (!best || Math.abs(f.ptsUs - ptsUs) < Math.abs(best.ptsUs - ptsUs)) best = f;
  return best;
}

/** `n` items spread evenly over `list` (all of them when it has no more than `n`). */
function evenlyPick<T>(list: T[], n: number): T[] {
  if (n <= 0) return [];
  if (list.length <= n) return list;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(list[Math.round(((i + 0.5) * list.length) / n - 0.5)]!);
  return out;
}
