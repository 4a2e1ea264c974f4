/**
 * Where an image sits inside the square canvas fed to the detector. CenterNet resizes its input to 512x512;
 * squashing a 16:9 frame loses people's proportions and lowers scores (measured: zidane.jpg persons 0.37/0.26
 * stretched vs 0.48/0.42 letterboxed), so we pad to a square instead. `context` > 0 adds a border on every
 * side, which helps close-ups where one object fills the frame (astronaut.png: person 0.27 -> 0.55 at 0.5).
 */
export interface LetterboxPlan {
  side: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

export function planLetterbox(width: number, height: number, context: number): LetterboxPlan {
  const side = Math.round(Math.max(width, height) * (1 + context));
  const padTop = Math.floor((side - height) / 2);
  const padLeft = Math.floor((side - width) / 2);
  return { side, padTop, padBottom: side - height - padTop, padLeft, padRight: side - width - padLeft };
}

/** Maps a box normalised to the padded canvas ([x, y, w, h] in 0..1) back to clipped source pixels. */
export function unletterboxBox(
  raw: readonly [number, number, number, number], plan: LetterboxPlan, width: number, height: number,
): [number, number, number, number] {
  const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const x1 = raw[0] * plan.side - plan.padLeft;
  const y1 = raw[1] * plan.side - plan.padTop;
  const x2 = x1 + raw[2] * plan.side;
  const y2 = y1 + raw[3] * plan.side;
  const r = (v: number) => Math.round(v * 10) / 10;
  return [r(clip(x1, width)), r(clip(y1, height)), r(clip(x2, width)), r(clip(y2, height))];
}
