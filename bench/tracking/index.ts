/**
 * Tracking benchmark: ByteTracker frames/s on every MOT15 sequence of shared/eval/sort_mot15_dets (Faster R-CNN
 * detections shipped with SORT), with MOTA / IDF1 from our py-motmetrics-compatible metrics where ground truth
 * exists (TUD-Campus, TUD-Stadtmitte), SORT's published MOTA for context, and a greedy-IoU baseline measured
 * in the same run (ratio = ByteTrack / baseline). `--quick`: one timed pass instead of five.
 */
import fs from 'node:fs';
import { byFrame, evaluateSequence, readMotCsv, type MotRow } from '../../src/eval/mot';
import { sharedEvalPath } from '../../src/eval/shared-data';
import { trackSequence } from '../../src/eval/track-sequence';
import { greedyIouTrack } from './greedy-iou-tracker';

const quick = process.argv.includes('--quick');
const repeats = quick ? 1 : 5;

/** Frame rates from the MOT15 seqinfo (they scale the lost-track buffer). */
const FPS: Record<string, number> = {
  'ADL-Rundle-6': 30, 'ADL-Rundle-8': 30, 'ETH-Bahnhof': 14, 'ETH-Pedcross2': 14, 'ETH-Sunnyday': 14, 'KITTI-13': 10,
  'KITTI-17': 10, 'PETS09-S2L1': 7, 'TUD-Campus': 25, 'TUD-Stadtmitte': 25, 'Venice-2': 30,
};
/** SORT's published MOTA (its README, MOTChallenge devkit) on the same detections. */
const SORT_MOTA: Record<string, number> = {
  'TUD-Campus': 62.7, 'ETH-Sunnyday': 59.1, 'ETH-Pedcross2': 45.4, 'ADL-Rundle-8': 28.6, 'Venice-2': 18.6, 'KITTI-17': 60.2,
};

function timeIt<T>(fn: () => T): { ms: number; value: T } {
  let value = fn(); // warm-up (JIT)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < repeats; i++) value = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6 / repeats, value };
}

const dir = sharedEvalPath('sort_mot15_dets');
const sequences = fs.readdirSync(dir).filter((n) => fs.existsSync(`${dir}/${n}/det.txt`)).sort();
const gtFile = (seq: string) => sharedEvalPath('motmetrics_tud', 'upstream', 'motmetrics', 'data', seq, 'gt.txt');
const pct = (v: number) => (100 * v).toFixed(1);

console.log(`ByteTracker (defaults: track_thresh 0.5, match_thresh 0.8, buffer 30, fuse_score) over ${sequences.length} MOT15 sequences, ${repeats} timed pass(es)`);
console.log('sequence        frames  dets  ByteTrack fps  baseline fps  ratio   MOTA  IDF1  IDsw | baseline MOTA IDF1 | SORT MOTA');
let totalFrames = 0;
let totalMs = 0;
let totalBaseMs = 0;
for (const seq of sequences) {
  const det = readMotCsv(`${dir}/${seq}/det.txt`);
  const frames = byFrame(det);
  const gt = fs.existsSync(gtFile(seq)) ? readMotCsv(gtFile(seq)) : null;
  const lastFrame = Math.max(...frames.keys(), ...(gt ?? []).map((r) => r.frame));
  const ours = timeIt(() => trackSequence(det, { tracker: { frameRate: FPS[seq] ?? 30 }, lastFrame }));
  const base = timeIt(() => greedyIouTrack(frames, lastFrame));
  totalFrames += lastFrame;
  totalMs += ours.ms;
  totalBaseMs += base.ms;
  const fps = (lastFrame / ours.ms) * 1000;
  const baseFps = (lastFrame / base.ms) * 1000;
  let quality = '     -     -     - |      -      -    ';
  if (gt) {
    const m = evaluateSequence(seq, gt, ours.value as MotRow[]).metrics;
    const b = evaluateSequence(seq, gt, base.value).metrics;
    quality = `${pct(m.mota).padStart(6)}${pct(m.idf1).padStart(6)}${String(m.numSwitches).padStart(6)} | ${pct(b.mota).padStart(13)}${pct(b.idf1).padStart(5)}`;
  }
  const sort = SORT_MOTA[seq] !== undefined ? SORT_MOTA[seq].toFixed(1) : '-';
  console.log(`${seq.padEnd(15)}${String(lastFrame).padStart(7)}${String(det.length).padStart(6)}${fps.toFixed(0).padStart(15)}${baseFps.toFixed(0).padStart(14)}${(fps / baseFps).toFixed(2).padStart(7)}${quality} | ${sort.padStart(9)}`);
}
const fps = (totalFrames / totalMs) * 1000;
console.log(`ALL            ${String(totalFrames).padStart(7)}       ${fps.toFixed(0).padStart(15)}${((totalFrames / totalBaseMs) * 1000).toFixed(0).padStart(14)}${(totalBaseMs / totalMs).toFixed(2).padStart(7)}`);
console.log(`ByteTrack ${fps.toFixed(0)} frames/s overall = ${(fps / 30).toFixed(0)}x a 30 fps stream on one core (MOTA/IDF1 in %, IoU >= 0.5)`);
