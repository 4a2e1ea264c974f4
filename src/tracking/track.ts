/**
 * One track as plain JSON data (the reference's STrack), plus the state transitions ByteTrack applies to it.
 * `key` is an internal identity that every track has from birth; `trackId` is the public id, handed out
 * only when the track is confirmed, so ids seen by consumers are dense (1, 2, 3, ...) rather than skipping
 * the one-frame tracks that never confirm (the reference numbers those too).
 */
import { initiate, predict, update } from './kalman';
import { tlbrToXyah, xyahToTlbr, type Tlbr } from './geometry';

export type TrackStatus = 'tracked' | 'lost' | 'removed';

export interface TrackRecord {
  key: number;
  trackId: number | null;
  status: TrackStatus;
  /** Confirmed: matched on a second frame (or born on the tracker's first frame). */
  activated: boolean;
  mean: number[];
  covariance: number[];
  score: number;
  classId: number;
  className: string;
  startFrame: number;
  /** Last frame this track was matched (the reference's end_frame). */
  frameId: number;
  trackletLen: number;
}

/** A detection prepared for association: index into the caller's frame list. */
export interface PreparedDetection {
  index: number;
  tlbr: Tlbr;
  score: number;
  classId: number;
  className: string;
}

/** Allocates internal keys and public ids; shared by every class group of one tracker. */
export interface IdAllocator {
  nextKey(): number;
  nextTrackId(): number;
}

export function trackTlbr(t: TrackRecord): Tlbr {
  return xyahToTlbr(t.mean);
}

export function newTrack(det: PreparedDetection, frameId: number, ids: IdAllocator): TrackRecord {
  const k = initiate(tlbrToXyah(det.tlbr));
  // Reference: tracks born on the first frame are confirmed at once; later ones need a second match.
  const activated = frameId === 1;
  return {
    key: ids.nextKey(),
    trackId: activated ? ids.nextTrackId() : null,
    status: 'tracked',
    activated,
    mean: k.mean,
    covariance: k.covariance,
    score: det.score,
    classId: det.classId,
    className: det.className,
    startFrame: frameId,
    frameId,
    trackletLen: 0,
  };
}

/** Kalman prediction; a track that is not currently tracked keeps its position velocity but not its height velocity. */
export function predictTrack(t: TrackRecord): void {
  const mean = t.mean.slice();
  if (t.status !== 'tracked') mean[7] = 0;
  const next = predict({ mean, covariance: t.covariance });
  t.mean = next.mean;
  t.covariance = next.covariance;
}

function absorb(t: TrackRecord, det: PreparedDetection, frameId: number): void {
  const next = update({ mean: t.mean, covariance: t.covariance }, tlbrToXyah(det.tlbr));
  t.mean = next.mean;
  t.covariance = next.covariance;
  t.frameId = frameId;
  t.status = 'tracked';
  t.score = det.score;
  t.classId = det.classId;
  t.className = det.className;
}

/** A tracked track matched again (STrack.update). */
export function continueTrack(t: TrackRecord, det: PreparedDetection, frameId: number, ids: IdAllocator): void {
  absorb(t, det, frameId);
  t.trackletLen += 1;
  if (!t.activated) {
    t.activated = true;
    if (t.trackId === null) t.trackId = ids.nextTrackId();
  }
}

/** A lost track matched again (STrack.re_activate, same id). */
export function reactivateTrack(t: TrackRecord, det: PreparedDetection, frameId: number, ids: IdAllocator): void {
  absorb(t, det, frameId);
  t.trackletLen = 0;
  t.activated = true;
  if (t.trackId === null) t.trackId = ids.nextTrackId();
}
