/**
 * CLEAR MOT and identity metrics from a MotAccumulator, with py-motmetrics' definitions:
 * MOTA = 1 - (FN + IDSW + FP) / GT, MOTP = mean distance (1 - IoU) over matches, MT/PT/ML at 80% / 20%
 * of an object's frames tracked, FM = tracked -> missed transitions inside an object's tracked span,
 * IDTP from a global one-to-one object/hypothesis assignment maximising co-occurring frames (Ristani et al.).
 * Counts are kept separately from ratios so several sequences can be summed into an OVERALL row.
 */
import { solveAssignment } from '../../tracking/assignment';
import type { MotAccumulator } from './accumulator';

export interface MotCounts {
  numFrames: number;
  numObjects: number;
  numPredictions: number;
  numUniqueObjects: number;
  numMatches: number;
  numSwitches: number;
  numFalsePositives: number;
  numMisses: number;
  numFragmentations: number;
  mostlyTracked: number;
  partiallyTracked: number;
  mostlyLost: number;
  /** Sum of distances over matches and switches. */
  distanceSum: number;
  idtp: number;
  idfp: number;
  idfn: number;
}

export interface MotMetrics extends MotCounts {
  idf1: number;
  idp: number;
  idr: number;
  recall: number;
  precision: number;
  mota: number;
  motp: number;
}

function divide(a: number, b: number): number {
  return b === 0 ? NaN : a / b;
}

function identityTruePositives(acc: MotAccumulator): number {
  const oids = [...acc.objectFrames.keys()];
  const hids = [...acc.hypothesisFrames.keys()];
  if (oids.length === 0 || hids.length === 0) return 0;
  const weights = oids.map((o) => hids.map((h) => acc.coOccurrence.get(o)?.get(h) ?? 0));
  return solveAssignment(weights.map((row) => row.map((w) => -w))).reduce((s, [i, j]) => s + weights[i][j], 0);
}

export function countMot(acc: MotAccumulator): MotCounts {
  let numMatches = 0;
  let numSwitches = 0;
  let numFalsePositives = 0;
  let numMisses = 0;
  let distanceSum = 0;
  // Per object, its frame-ordered states: true = tracked (MATCH/SWITCH), false = missed.
  const timeline = new Map<number, boolean[]>();
  for (const e of acc.events) {
    if (e.type === 'FP') {
      numFalsePositives++;
      continue;
    }
    const tracked = e.type !== 'MISS';
    if (e.type === 'MATCH') numMatches++;
    else if (e.type === 'SWITCH') numSwitches++;
    else numMisses++;
    if (tracked) distanceSum += e.distance;
    const oid = e.oid as number;
    let t = timeline.get(oid);
    if (!t) timeline.set(oid, (t = []));
    t.push(tracked);
  }
  let mostlyTracked = 0;
  let partiallyTracked = 0;
  let mostlyLost = 0;
  let numFragmentations = 0;
  for (const states of timeline.values()) {
    const ratio = states.filter(Boolean).length / states.length;
    if (ratio >= 0.8) mostlyTracked++;
    else if (ratio >= 0.2) partiallyTracked++;
    else mostlyLost++;
    const first = states.indexOf(true);
    const last = states.lastIndexOf(true);
    for (let k = first + 1; first >= 0 && k <= last; k++) if (states[k - 1] && !states[k]) numFragmentations++;
  }
  const numObjects = [...acc.objectFrames.values()].reduce((a, b) => a + b, 0);
  const numPredictions = [...acc.hypothesisFrames.values()].reduce((a, b) => a + b, 0);
  const idtp = identityTruePositives(acc);
  return {
    numFrames: acc.numFrames,
    numObjects,
    numPredictions,
    numUniqueObjects: acc.objectFrames.size,
    numMatches,
    numSwitches,
    numFalsePositives,
    numMisses,
    numFragmentations,
    mostlyTracked,
    partiallyTracked,
    mostlyLost,
    distanceSum,
    idtp,
    idfp: numPredictions - idtp,
    idfn: numObjects - idtp,
  };
}

export function deriveMetrics(c: MotCounts): MotMetrics {
  const detections = c.numMatches + c.numSwitches;
  return {
    ...c,
    idf1: divide(2 * c.idtp, c.numObjects + c.numPredictions),
    idp: divide(c.idtp, c.idtp + c.idfp),
    idr: divide(c.idtp, c.idtp + c.idfn),
    recall: divide(detections, c.numObjects),
    precision: divide(detections, detections + c.numFalsePositives),
    mota: 1 - divide(c.numMisses + c.numSwitches + c.numFalsePositives, c.numObjects),
    motp: divide(c.distanceSum, detections),
  };
}

/** Sums the counts of several sequences (py-motmetrics' generate_overall). */
export function sumCounts(list: readonly MotCounts[]): MotCounts {
  const keys = Object.keys(list[0] ?? {}) as (keyof MotCounts)[];
  const out = {} as MotCounts;
  for (const k of keys) out[k] = list.reduce((s, c) => s + c[k], 0);
  return out;
}
