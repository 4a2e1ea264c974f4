/** Plane geometry in normalised frame coordinates (x right, y down). */
export type Point = readonly [number, number];

/**
 * Ray casting, with points on an edge inside: a zone drawn to the frame's border holds a person whose feet
 * are cut off by it (their anchor sits on the border).
 */
export function pointInPolygon(p: Point, poly: readonly Point[]): boolean {
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) if (onSegment(p, poly[j]!, poly[i]!)) return true;
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!, [xj, yj] = poly[j]!;
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Which side of the directed line a → b the point is on: > 0 right, < 0 left, 0 on it, as seen walking
 * from a to b on the image (y grows downwards, so this is the sign of the screen-space cross product).
 */
export function sideOf(p: Point, a: Point, b: Point): number {
  return Math.sign((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]));
}

/** Whether the move p → q crosses the segment a–b (strictly: touching the line and turning back is no crossing). */
export function crossesSegment(p: Point, q: Point, a: Point, b: Point): boolean {
  const s1 = sideOf(p, a, b), s2 = sideOf(q, a, b);
  if (s1 === 0 || s2 === 0 || s1 === s2) return false;
  // The endpoints a and b lie on different sides of p → q (or on it): the crossing is within the segment.
  return sideOf(a, p, q) !== sideOf(b, p, q) || sideOf(a, p, q) === 0;
}

function onSegment(p: Point, a: Point, b: Point): boolean {
  const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
  if (Math.abs(cross) > 1e-9) return false;
  return p[0] >= Math.min(a[0], b[0]) - 1e-9 && p[0] <= Math.max(a[0], b[0]) + 1e-9 && p[1] >= Math.min(a[1], b[1]) - 1e-9 && p[1] <= Math.max(a[1], b[1]) + 1e-9;
}

/** A box's bottom centre, normalised by the frame size and kept inside the frame (boxes may overhang it). */
export function anchorOf(bbox: readonly [number, number, number, number], width: number, height: number): Point {
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return [clamp(((bbox[0] + bbox[2]) / 2) / width), clamp(bbox[3] / height)];
}
