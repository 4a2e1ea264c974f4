/**
 * One ByteTrack frame step over one group of tracks (all tracks, or one class when tracking per class),
 * following BYTETracker.update of the reference implementation step by step:
 *  1. split detections into high (> trackThresh) and low (lowThresh < s < trackThresh) scores;
 *  2. first association: high boxes vs all confirmed tracks, tracked + lost (Kalman-predicted), by IoU
 *     cost optionally fused with the score, gated at matchThresh;
 *  3. second association: low boxes vs the still-unmatched *tracked* tracks, plain IoU, gated at 0.5;
 *     tracked tracks left over become lost;
 *  4. unconfirmed (one-frame) tracks vs the remaining high boxes; unmatched unconfirmed tracks are dropped;
 *  5. remaining high boxes above newTrackThresh start tracks; lost tracks older than the buffer are dropped;
 *     duplicates between the tracked and lost lists (IoU > 0.85) keep the longer-lived one.
 */
import { assignWithCostLimit } from './assignment';
import { iouDistanceMatrix } from './geometry';
import type { ByteTrackConfig } from './config';
import {
  continueTrack,
  newTrack,
  predictTrack,
  reactivateTrack,
  trackTlbr,
  type IdAllocator,
  type PreparedDetection,
  type TrackRecord,
} from './track';

export interface TrackGroup {
  tracked: TrackRecord[];
  lost: TrackRecord[];
}

export interface StepResult extends TrackGroup {
  /** Confirmed tracks matched this frame, with the detection index each one took. */
  output: { track: TrackRecord; detIndex: number }[];
}

function costMatrix(tracks: TrackRecord[], dets: PreparedDetection[], fuse: boolean): number[][] {
  const cost = iouDistanceMatrix(tracks.map(trackTlbr), dets.map((d) => d.tlbr));
  if (!fuse) return cost;
  return cost.map((row) => row.map((c, j) => 1 - (1 - c) * dets[j].score));
}

/** Union by key keeping first occurrence order (the reference's joint_stracks). */
function joint(a: TrackRecord[], b: TrackRecord[]): TrackRecord[] {
  const seen = new Set(a.map((t) => t.key));
  return [...a, ...b.filter((t) => !seen.has(t.key))];
}

/** a minus b by key (sub_stracks). */
function minus(a: TrackRecord[], b: TrackRecord[]): TrackRecord[] {
  const drop = new Set(b.map((t) => t.key));
  return a.filter((t) => !drop.has(t.key));
}

/** remove_duplicate_stracks: pairs closer than 0.15 IoU distance keep the track that has lived longer. */
function removeDuplicates(tracked: TrackRecord[], lost: TrackRecord[]): TrackGroup {
  const dist = iouDistanceMatrix(tracked.map(trackTlbr), lost.map(trackTlbr));
  const dropA = new Set<number>();
  const dropB = new Set<number>();
  dist.forEach((row, p) =>
    row.forEach((d, q) => {
      if (d >= 0.15) return;
      const timeP = tracked[p].frameId - tracked[p].startFrame;
      const timeQ = lost[q].frameId - lost[q].startFrame;
      if (timeP > timeQ) dropB.add(q);
      else dropA.add(p);
    }),
  );
  return { tracked: tracked.filter((_, i) => !dropA.has(i)), lost: lost.filter((_, i) => !dropB.has(i)) };
}

export function byteTrackStep(
  group: TrackGroup,
  dets: PreparedDetection[],
  frameId: number,
  cfg: ByteTrackConfig,
  maxTimeLost: number,
  ids: IdAllocator,
): StepResult {
  const high = dets.filter((d) => d.score > cfg.trackThresh);
  const low = dets.filter((d) => d.score > cfg.lowThresh && d.score < cfg.trackThresh);
  const matchedDet = new Map<number, number>();
  const activated: TrackRecord[] = [];
  const refound: TrackRecord[] = [];
  const newlyLost: TrackRecord[] = [];
  const removed: TrackRecord[] = [];

  const take = (t: TrackRecord, d: PreparedDetection): void => {
    matchedDet.set(t.key, d.index);
    if (t.status === 'tracked') {
      continueTrack(t, d, frameId, ids);
      activated.push(t);
    } else {
      reactivateTrack(t, d, frameId, ids);
      refound.push(t);
    }
  };

  const unconfirmed = group.tracked.filter((t) => !t.activated);
  const confirmed = group.tracked.filter((t) => t.activated);

  // First association: high-score boxes against every confirmed track, tracked or lost.
  const pool = joint(confirmed, group.lost);
  for (const t of pool) predictTrack(t);
  const first = assignWithCostLimit(costMatrix(pool, high, cfg.fuseScore), cfg.matchThresh, high.length);
  for (const [ti, di] of first.matches) take(pool[ti], high[di]);

  // Second association: low-score boxes only against tracks that were being tracked (not lost ones).
  const remainingTracked = first.unmatchedRows.map((i) => pool[i]).filter((t) => t.status === 'tracked');
  const second = assignWithCostLimit(costMatrix(remainingTracked, low, false), cfg.secondMatchThresh, low.length);
  for (const [ti, di] of second.matches) take(remainingTracked[ti], low[di]);
  for (const ti of second.unmatchedRows) {
    const t = remainingTracked[ti];
    t.status = 'lost';
    newlyLost.push(t);
  }

  // Unconfirmed tracks (born last frame) get one chance at the high boxes left over.
  const leftHigh = first.unmatchedCols.map((i) => high[i]);
  const third = assignWithCostLimit(costMatrix(unconfirmed, leftHigh, cfg.fuseScore), cfg.unconfirmedMatchThresh, leftHigh.length);
  for (const [ti, di] of third.matches) {
    const t = unconfirmed[ti];
    matchedDet.set(t.key, leftHigh[di].index);
    continueTrack(t, leftHigh[di], frameId, ids);
    activated.push(t);
  }
  for (const ti of third.unmatchedRows) {
    unconfirmed[ti].status = 'removed';
    removed.push(unconfirmed[ti]);
  }

  // New tracks only from confident unmatched high boxes.
  for (const di of third.unmatchedCols) {
    const d = leftHigh[di];
    if (d.score < cfg.newTrackThresh) continue;
    const t = newTrack(d, frameId, ids);
    matchedDet.set(t.key, d.index);
    activated.push(t);
  }

  for (const t of group.lost) {
    if (frameId - t.frameId > maxTimeLost) {
      t.status = 'removed';
      removed.push(t);
    }
  }

  let tracked = group.tracked.filter((t) => t.status === 'tracked');
  tracked = joint(joint(tracked, activated), refound);
  let lost = minus(group.lost, tracked);
  lost.push(...newlyLost);
  lost = minus(lost, removed);
  const deduped = removeDuplicates(tracked, lost);

  const output = deduped.tracked
    .filter((t) => t.activated)
    .map((track) => ({ track, detIndex: matchedDet.get(track.key) ?? -1 }))
    .filter((o) => o.detIndex >= 0);
  return { tracked: deduped.tracked, lost: deduped.lost, output };
}
