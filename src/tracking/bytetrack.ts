/**
 * ByteTracker: the per-stream multi-object tracker. Feed it one frame's detections at a time (every frame,
 * including empty ones, so lost tracks age) and get back the detections that belong to confirmed tracks,
 * each with a stable integer `trackId`. All state is plain JSON (`snapshot()` / `ByteTracker.restore()`),
 * so a stream's tracker can be handed to another worker mid-stream.
 */
import { VideoAgentError } from '../errors';
import type { Detection } from '../types';
import { maxTimeLost, resolveByteTrackConfig, type ByteTrackConfig, type ByteTrackConfigInput } from './config';
import { byteTrackStep, type TrackGroup } from './bytetrack-step';
import { trackTlbr, type IdAllocator, type PreparedDetection, type TrackRecord } from './track';
import { parseSnapshot, SNAPSHOT_VERSION, type ByteTrackSnapshot } from './snapshot';
import type { Tlbr } from './geometry';

export interface TrackedDetection extends Detection {
  trackId: number;
  /** The track's Kalman-filtered box after this frame's update (what the reference writes out). */
  filteredBbox: Tlbr;
}

/** A confirmed track that is currently followed (not lost). */
export interface ActiveTrack {
  trackId: number;
  bbox: Tlbr;
  score: number;
  classId: number;
  className: string;
  startFrame: number;
  lastFrame: number;
}

function prepare(detections: readonly Detection[]): PreparedDetection[] {
  if (!Array.isArray(detections)) throw new VideoAgentError('E_BAD_DETECTION', 'tracker input must be an array of detections');
  return detections.map((d, index) => {
    const b = d?.bbox;
    if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new VideoAgentError('E_BAD_DETECTION', `detection ${index}: bbox must be four finite numbers [x1, y1, x2, y2]`);
    }
    if (!(b[2] > b[0] && b[3] > b[1])) {
      throw new VideoAgentError('E_BAD_DETECTION', `detection ${index}: bbox [${b.join(', ')}] has no area (need x2 > x1 and y2 > y1)`);
    }
    if (typeof d.confidence !== 'number' || !Number.isFinite(d.confidence)) {
      throw new VideoAgentError('E_BAD_DETECTION', `detection ${index}: confidence must be a finite number`);
    }
    return { index, tlbr: [b[0], b[1], b[2], b[3]], score: d.confidence, classId: d.classId, className: d.className };
  });
}

export class ByteTracker {
  private readonly cfg: ByteTrackConfig;
  private readonly maxLost: number;
  private frame: number;
  private keyCounter: number;
  private idCounter: number;
  private tracked: TrackRecord[];
  private lost: TrackRecord[];

  constructor(config: ByteTrackConfigInput = {}) {
    this.cfg = resolveByteTrackConfig(config);
    this.maxLost = maxTimeLost(this.cfg);
    this.frame = 0;
    this.keyCounter = 0;
    this.idCounter = 0;
    this.tracked = [];
    this.lost = [];
  }

  /** Rebuilds a tracker from `snapshot()` output (possibly after a JSON round trip). */
  static restore(snapshot: unknown): ByteTracker {
    const s = parseSnapshot(snapshot);
    const t = new ByteTracker(s.config);
    t.frame = s.frameId;
    t.keyCounter = s.nextKey - 1;
    t.idCounter = s.nextTrackId - 1;
    t.tracked = structuredClone(s.tracked);
    t.lost = structuredClone(s.lost);
    return t;
  }

  get config(): Readonly<ByteTrackConfig> {
    return this.cfg;
  }

  /** Frames processed so far. */
  get frameId(): number {
    return this.frame;
  }

  /** Processes one frame; returns the detections that belong to confirmed tracks, in input order. */
  update(detections: readonly Detection[]): TrackedDetection[] {
    const prepared = prepare(detections); // validate before touching state, so bad input changes nothing
    this.frame += 1;
    const ids: IdAllocator = {
      nextKey: () => ++this.keyCounter,
      nextTrackId: () => ++this.idCounter,
    };
    const groups = this.partition(prepared);
    const tracked: TrackRecord[] = [];
    const lost: TrackRecord[] = [];
    const out: { detIndex: number; det: TrackedDetection }[] = [];
    for (const { group, dets } of groups) {
      const r = byteTrackStep(group, dets, this.frame, this.cfg, this.maxLost, ids);
      tracked.push(...r.tracked);
      lost.push(...r.lost);
      for (const { track, detIndex } of r.output) {
        const det = { ...detections[detIndex], trackId: track.trackId as number, filteredBbox: trackTlbr(track) };
        out.push({ detIndex, det });
      }
    }
    this.tracked = tracked;
    this.lost = lost;
    return out.sort((a, b) => a.detIndex - b.detIndex).map((o) => o.det);
  }

  /** Confirmed tracks matched on the latest frame. */
  activeTracks(): ActiveTrack[] {
    return this.tracked
      .filter((t) => t.activated && t.trackId !== null)
      .map((t) => ({
        trackId: t.trackId as number,
        bbox: trackTlbr(t),
        score: t.score,
        classId: t.classId,
        className: t.className,
        startFrame: t.startFrame,
        lastFrame: t.frameId,
      }));
  }

  /** Plain-data copy of the whole tracker state. */
  snapshot(): ByteTrackSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      config: { ...this.cfg },
      frameId: this.frame,
      nextKey: this.keyCounter + 1,
      nextTrackId: this.idCounter + 1,
      tracked: structuredClone(this.tracked),
      lost: structuredClone(this.lost),
    };
  }

  /** One group for class-agnostic tracking, else one per classId present in tracks or detections. */
  private partition(dets: PreparedDetection[]): { group: TrackGroup; dets: PreparedDetection[] }[] {
    if (!this.cfg.perClass) return [{ group: { tracked: this.tracked, lost: this.lost }, dets }];
    const byClass = new Map<number, { group: TrackGroup; dets: PreparedDetection[] }>();
    const slot = (c: number) => {
      let s = byClass.get(c);
      if (!s) byClass.set(c, (s = { group: { tracked: [], lost: [] }, dets: [] }));
      return s;
    };
    for (const t of this.tracked) slot(t.classId).group.tracked.push(t);
    for (const t of this.lost) slot(t.classId).group.lost.push(t);
    for (const d of dets) slot(d.classId).dets.push(d);
    return [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }
}
