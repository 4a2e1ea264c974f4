/** Box conventions used by the tracker: tlbr = [x1, y1, x2, y2]; xyah = [centre x, centre y, w / h, h]. */
export type Tlbr = [number, number, number, number];
export type Xyah = [number, number, number, number];

export function tlbrToXyah(b: readonly number[]): Xyah {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  return [b[0] + w / 2, b[1] + h / 2, w / h, h];
}

/** Inverse of tlbrToXyah, read from the first four entries of a Kalman mean. */
export function xyahToTlbr(m: ArrayLike<number>): Tlbr {
  const h = m[3];
  const w = m[2] * h;
  const x1 = m[0] - w / 2;
  const y1 = m[1] - h / 2;
  return [x1, y1, x1 + w, y1 + h];
}

/** Intersection over union of two tlbr boxes (continuous coordinates, no +1 pixel convention). */
export function iou(a: readonly number[], b: readonly number[]): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  if (iw <= 0) return 0;
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** 1 - IoU for every (a, b) pair: ByteTrack's `iou_distance`. */
export function iouDistanceMatrix(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
  return a.map((ba) => b.map((bb) => 1 - iou(ba, bb)));
}
