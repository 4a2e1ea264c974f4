/** Scores a tracker's MOTChallenge rows against ground truth rows (py-motmetrics' compare_to_groundtruth, IoU). */
import { iou } from '../../tracking/geometry';
import { MotAccumulator } from './accumulator';
import { byFrame, type MotRow } from './csv';
import { countMot, deriveMetrics, type MotCounts, type MotMetrics } from './metrics';

export interface CompareOptions {
  /** Minimum IoU for an object/hypothesis pair to count as a match (default 0.5). */
  minIou?: number;
}

const tlbr = (r: MotRow) => [r.x, r.y, r.x + r.w, r.y + r.h];

export function accumulate(gt: readonly MotRow[], res: readonly MotRow[], opts: CompareOptions = {}): MotAccumulator {
  const maxDist = 1 - (opts.minIou ?? 0.5);
  const gtFrames = byFrame(gt);
  const resFrames = byFrame(res);
  // Every frame seen by either side: frames missing from the results count as misses, extra ones as FPs.
  const frames = [...new Set([...gtFrames.keys(), ...resFrames.keys()])].sort((a, b) => a - b);
  const acc = new MotAccumulator();
  for (const f of frames) {
    const objs = gtFrames.get(f) ?? [];
    const hyps = resFrames.get(f) ?? [];
    const hypBoxes = hyps.map(tlbr);
    const dists = objs.map((o) => {
      const ob = tlbr(o);
      return hypBoxes.map((hb) => {
        const d = 1 - iou(ob, hb);
        return d > maxDist ? NaN : d;
      });
    });
    acc.update(f, objs.map((o) => o.id), hyps.map((h) => h.id), dists);
  }
  return acc;
}

export interface SequenceResult {
  name: string;
  counts: MotCounts;
  metrics: MotMetrics;
}

export function evaluateSequence(name: string, gt: readonly MotRow[], res: readonly MotRow[], opts?: CompareOptions): SequenceResult {
  const counts = countMot(accumulate(gt, res, opts));
  return { name, counts, metrics: deriveMetrics(counts) };
}
