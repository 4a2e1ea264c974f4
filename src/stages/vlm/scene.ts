/**
 * Scene-change signal between consecutive sampled frames: each JPEG is decoded by sharp straight to a small
 * image (libvips' JPEG shrink-on-load decodes at 1/2..1/8 scale, so the cost hardly grows with the frame size)
 * and reduced to a 32-bin luma histogram and a 16×9 luma thumbnail. Luma is BT.601 (JPEG's Y), computed here:
 * libvips' greyscale is a perceptual grey that puts saturated colours elsewhere in the histogram. The distance is the larger of the
 * histogram's total-variation distance and the thumbnail's mean absolute difference (both 0..1): the histogram
 * catches cuts between different content, the thumbnail catches cuts that keep the same colours but move them
 * (which a histogram alone misses).
 */
import sharp from 'sharp';

const BINS = 32;
const TW = 16;
const TH = 9;
/** Each thumbnail cell averages CELL×CELL pixels of the small image; the histogram reads them all. */
const CELL = 6;
const GW = TW * CELL;
const GH = TH * CELL;

export interface FrameSignature {
  hist: Float32Array;
  thumb: Float32Array;
}

/** Rejects with sharp's error for a corrupt or non-image buffer. */
export async function frameSignature(jpegData: Buffer): Promise<FrameSignature> {
  const { data, info } = await sharp(jpegData, { limitInputPixels: 64_000_000 })
    .toColourspace('srgb').removeAlpha().resize(GW, GH, { fit: 'fill' }).raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== GW || info.height !== GH) {
    throw new Error(`scene signature: unexpected ${info.width}x${info.height}x${info.channels} image`);
  }
  const hist = new Float32Array(BINS);
  const thumb = new Float32Array(TW * TH);
  for (let y = 0; y < GH; y++) {
    const row = Math.floor(y / CELL) * TW;
    for (let x = 0; x < GW; x++) {
      const i = (y * GW + x) * 3;
      const luma = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      hist[Math.min(BINS - 1, Math.floor((luma * BINS) / 256))]++;
      thumb[row + Math.floor(x / CELL)] += luma;
    }
  }
  for (let b = 0; b < BINS; b++) hist[b] /= GW * GH;
  for (let t = 0; t < thumb.length; t++) thumb[t] /= CELL * CELL * 255;
  return { hist, thumb };
}

export function sceneDistance(a: FrameSignature, b: FrameSignature): number {
  let h = 0;
  for (let i = 0; i < BINS; i++) h += Math.abs(a.hist[i]! - b.hist[i]!);
  let t = 0;
  for (let i = 0; i < a.thumb.length; i++) t += Math.abs(a.thumb[i]! - b.thumb[i]!);
  return Math.max(h / 2, t / a.thumb.length);
}
