/** A detection in source-image pixels; `cls` is the 0-based COCO index. */
export interface PixelDetection {
  box: [number, number, number, number]; // x1, y1, x2, y2
  score: number;
  cls: number;
  label: string;
}

export function iou(a: PixelDetection['box'], b: PixelDetection['box']): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy per-class NMS, as YOLO does (class-aware, so a person and the tie they wear both survive). Used to
 * merge the passes of multi-scale inference, where the same object is found at several scales.
 */
export function nonMaxSuppression(dets: PixelDetection[], iouThreshold: number): PixelDetection[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: PixelDetection[] = [];
  for (const d of sorted) {
    if (!kept.some((k) => k.cls === d.cls && iou(k.box, d.box) > iouThreshold)) kept.push(d);
  }
  return kept;
}
