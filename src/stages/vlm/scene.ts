/**
 * Scene-change signal between consecutive sampled frames: each JPEG is decoded (jpeg-js, pure JS) and
 * reduced to a 32-bin luma histogram and a 16×9 luma thumbnail. The distance is the larger of the
 * histogram's total-variation distance and the thumbnail's mean absolute difference (both 0..1): the
 * histogram catches cuts between different content, the thumbnail catches cuts that keep the same colours
 * but move them (which a histogram alone misses).
 */
import jpeg from 'jpeg-js';

const BINS = 32;
const TW = 16;
const TH = 9;

export interface FrameSignature {
  hist: Float32Array;
  thumb: Float32Array;
}

/** Pixels read per axis at most: decoding dominates the cost, the sampling keeps the rest negligible. */
export function frameSignature(jpegData: Buffer): FrameSignature {
  const img = jpeg.decode(jpegData, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 256 });
  const { width, height, data } = img;
  const channels = data.length / (width * height);
  const hist = new Float32Array(BINS);
  const thumb = new Float32Array(TW * TH);
  const counts = new Uint32Array(TW * TH);
  const step = Math.max(1, Math.floor(Math.min(width, height) / 90));
  let n = 0;
  for (let y = 0; y < height; y += step) {
    const ty = Math.min(TH - 1, Math.floor((y * TH) / height));
    for (let x = 0; x < width; x += step) {
      const i = (y * width + x) * channels;
      const luma = channels >= 3 ? 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2] : data[i];
      hist[Math.min(BINS - 1, Math.floor((luma * BINS) / 256))]++;
      const t = ty * TW + Math.min(TW - 1, Math.floor((x * TW) / width));
      thumb[t] += luma;
      counts[t]++;
      n++;
    }
  }
  for (let b = 0; b < BINS; b++) hist[b] /= n;
  for (let t = 0; t < thumb.length; t++) thumb[t] = counts[t] ? thumb[t] / counts[t] / 255 : 0;
  return { hist, thumb };
}

export function sceneDistance(a: FrameSignature, b: FrameSignature): number {
  let h = 0;
  for (let i = 0; i < BINS; i++) h += Math.abs(a.hist[i] - b.hist[i]);
  let t = 0;
  for (let i = 0; i < a.thumb.length; i++) t += Math.abs(a.thumb[i] - b.thumb[i]);
  return Math.max(h / 2, t / a.thumb.length);
}
