/**
 * Baseline for the tracking benchmark: the simplest tracker people write first (greedy highest-IoU matching
 * of detections to the previous frame's boxes, no motion model, no low-score pass, tracks dropped after
 * `maxAge` missed frames). It gives the ByteTrack numbers something measured in the same run to stand against.
 */
import { iou } from '../../src/tracking';
import type { MotRow } from '../../src/eval/mot';

export function greedyIouTrack(frames: Map<number, MotRow[]>, lastFrame: number, minIou = 0.3, maxAge = 1): MotRow[] {
  let tracks: { id: number; box: number[]; age: number }[] = [];
  let nextId = 1;
  const out: MotRow[] = [];
  for (let f = 1; f <= lastFrame; f++) {
    const dets = (frames.get(f) ?? []).map((r) => ({ row: r, box: [r.x, r.y, r.x + r.w, r.y + r.h] }));
    const pairs: { t: number; d: number; v: number }[] = [];
    tracks.forEach((t, ti) => dets.forEach((d, di) => {
      const v = iou(t.box, d.box);
      if (v >= minIou) pairs.push({ t: ti, d: di, v });
    }));
    pairs.sort((a, b) => b.v - a.v);
    const usedT = new Set<number>();
    const usedD = new Set<number>();
    for (const p of pairs) {
      if (usedT.has(p.t) || usedD.has(p.d)) continue;
      usedT.add(p.t);
      usedD.add(p.d);
      tracks[p.t].box = dets[p.d].box;
      tracks[p.t].age = 0;
      out.push({ ...dets[p.d].row, frame: f, id: tracks[p.t].id });
    }
    tracks = tracks.filter((t, i) => usedT.has(i) || ++t.age <= maxAge);
    dets.forEach((d, i) => {
      if (usedD.has(i)) return;
      const t = { id: nextId++, box: d.box, age: 0 };
      tracks.push(t);
      out.push({ ...d.row, frame: f, id: t.id });
    });
  }
  return out;
}
