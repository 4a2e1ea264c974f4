/**
 * Generated MOT scenes for unit tests: objects moving at constant velocity (ground truth), and a detector's
 * view of them (box noise, missed frames, low-score boxes, clutter), all from a seeded generator.
 */
import type { MotRow } from '../../src/eval/mot';

export interface SceneOptions {
  frames: number;
  objects: number;
  seed?: number;
  /** Box jitter in pixels (uniform ±). */
  jitterPx?: number;
  /** Probability a detection is missing in a frame. */
  missRate?: number;
  /** Probability a detection comes with a low score (0.1–0.5: ByteTrack's second association). */
  lowScoreRate?: number;
  /** Clutter boxes per frame (mean). */
  clutterPerFrame?: number;
}

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Ground truth: objects on a grid (far apart, never overlapping), each with its own velocity, entering at staggered frames. */
export function groundTruth(o: SceneOptions): MotRow[] {
  const rand = rng(o.seed ?? 1);
  const rows: MotRow[] = [];
  for (let k = 0; k < o.objects; k++) {
    const x0 = 50 + (k % 4) * 300;
    const y0 = 50 + Math.floor(k / 4) * 300;
    const vx = (rand() - 0.5) * 4;
    const vy = (rand() - 0.5) * 4;
    const start = 1 + Math.floor(rand() * Math.min(10, o.frames / 4));
    for (let f = start; f <= o.frames; f++) {
      const t = f - start;
      rows.push({ frame: f, id: k + 1, x: x0 + vx * t, y: y0 + vy * t, w: 40, h: 100, conf: 1 });
    }
  }
  return rows.sort((a, b) => a.frame - b.frame || a.id - b.id);
}

/** What a detector reports for that ground truth (MOTChallenge det.txt rows, id -1). */
export function detections(gt: readonly MotRow[], o: SceneOptions): MotRow[] {
  const rand = rng((o.seed ?? 1) * 7919);
  const jit = o.jitterPx ?? 0;
  const out: MotRow[] = [];
  for (const r of gt) {
    if (rand() < (o.missRate ?? 0)) continue;
    const low = rand() < (o.lowScoreRate ?? 0);
    out.push({ frame: r.frame, id: -1, x: r.x + (rand() * 2 - 1) * jit, y: r.y + (rand() * 2 - 1) * jit, w: r.w, h: r.h, conf: low ? 0.1 + 0.4 * rand() : 0.7 + 0.3 * rand() });
  }
  for (let f = 1; f <= o.frames; f++) {
    const n = Math.floor(rand() * 2 * (o.clutterPerFrame ?? 0) + 0.5);
    for (let i = 0; i < n; i++) out.push({ frame: f, id: -1, x: 1300 + rand() * 400, y: rand() * 800, w: 30, h: 30, conf: 0.1 + 0.8 * rand() });
  }
  return out.sort((a, b) => a.frame - b.frame);
}
