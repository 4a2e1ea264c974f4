/**
 * Where an image sits inside the square model input. CenterNet's graph is fixed at 512x512; squashing a 16:9
 * frame loses people's proportions and lowers scores (measured: zidane.jpg persons 0.37/0.26 stretched vs
 * 0.48/0.42 letterboxed), so the image is scaled to fit and padded instead. `context` > 0 shrinks it further
 * inside a border on every side (a second, zoomed-out pass for close-ups; off by default, see
 * centernet-detector.ts).
 */
export interface LetterboxPlan {
  /** Side of the square model input. */
  size: number;
  /** Size of the scaled image inside it. */
  width: number;
  height: number;
  padLeft: number;
  padTop: number;
}

export function planLetterbox(srcWidth: number, srcHeight: number, size: number, context: number): LetterboxPlan {
  const scale = size / (Math.max(srcWidth, srcHeight) * (1 + context));
  const width = Math.max(1, Math.min(size, Math.round(srcWidth * scale)));
  const height = Math.max(1, Math.min(size, Math.round(srcHeight * scale)));
  return { size, width, height, padLeft: Math.floor((size - width) / 2), padTop: Math.floor((size - height) / 2) };
}

/** Maps a box in model-input pixels ([x1, y1, x2, y2]) back to clipped source pixels (0.1 px precision). */
export function unletterboxBox(
  box: readonly [number, number, number, number], plan: LetterboxPlan, srcWidth: number, srcHeight: number,
): [number, number, number, number] {
  const sx = srcWidth / plan.width;
  const sy = srcHeight / plan.height;
  const x = (v: number) => Math.round(Math.min(srcWidth, Math.max(0, (v - plan.padLeft) * sx)) * 10) / 10;
  const y = (v: number) => Math.round(Math.min(srcHeight, Math.max(0, (v - plan.padTop) * sy)) * 10) / 10;
  return [x(box[0]), y(box[1]), x(box[2]), y(box[3])];
}
