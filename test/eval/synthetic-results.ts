/**
 * A tracker's results for a generated 3-object, 20-frame scene (test/tracking/synthetic-scene.ts, objects far
 * apart) with known mistakes, and the metrics they must give, computed by hand from the definitions:
 *  - every box shifted right by 4 px (w 40): IoU 36/44, so every match has distance 1 - 36/44 = 8/44;
 *  - object 1 missed in 3 frames in the middle of its track: 3 FN, 1 fragmentation;
 *  - object 2 changes hypothesis id from its 10th frame on: 1 ID switch;
 *  - one clutter box in frame 2: 1 FP.
 */
import type { MotRow } from '../../src/eval/mot';

export function corruptedResults(gt: readonly MotRow[]): MotRow[] {
  const framesOf = (id: number) => gt.filter((r) => r.id === id).map((r) => r.frame);
  const f1 = framesOf(1);
  const missed = new Set(f1.slice(4, 7));
  const switchAt = framesOf(2)[9];
  const out: MotRow[] = [];
  for (const r of gt) {
    if (r.id === 1 && missed.has(r.frame)) continue;
    const id = r.id === 2 && r.frame >= switchAt ? 999 : 100 + r.id;
    out.push({ ...r, id, x: r.x + 4 });
  }
  out.push({ frame: 2, id: 555, x: 2000, y: 2000, w: 30, h: 30, conf: 1 });
  return out;
}

/** With n1, n2, n3 ground-truth boxes per object (N in all), from the definitions in the header. */
export function expectedFor(gt: readonly MotRow[]) {
  const n = (id: number) => gt.filter((r) => r.id === id).length;
  const N = gt.length;
  const fn = 3, fp = 1, idsw = 1;
  const resBoxes = N - fn + fp;
  // Best one-to-one identity assignment: 1 <-> 101 (n1 - 3), 2 <-> whichever of its two ids covers more, 3 <-> 103.
  const idtp = n(1) - 3 + Math.max(9, n(2) - 9) + n(3);
  return { fn, fp, idsw, fm: 1, mota: 1 - (fn + fp + idsw) / N, motp: 8 / 44, idf1: (2 * idtp) / (N + resBoxes), idp: idtp / resBoxes, idr: idtp / N };
}
