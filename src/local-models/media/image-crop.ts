import jpeg from 'jpeg-js';
import type { RgbImage } from './rgb-image';

export interface PixelRect { x: number; y: number; width: number; height: number }

/** Grows a rectangle by `margin` (fraction of its size) on every side and clips it to the image. */
export function expandRect(r: PixelRect, margin: number, width: number, height: number): PixelRect {
  const x1 = Math.max(0, Math.floor(r.x - r.width * margin));
  const y1 = Math.max(0, Math.floor(r.y - r.height * margin));
  const x2 = Math.min(width, Math.ceil(r.x + r.width * (1 + margin)));
  const y2 = Math.min(height, Math.ceil(r.y + r.height * (1 + margin)));
  return { x: x1, y: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1) };
}

export function cropRgb(img: RgbImage, r: PixelRect): RgbImage {
  const out = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) {
    const src = ((r.y + y) * img.width + r.x) * 3;
    out.set(img.data.subarray(src, src + r.width * 3), y * r.width * 3);
  }
  return { width: r.width, height: r.height, data: out };
}

export function encodeJpeg(img: RgbImage, quality = 90): Buffer {
  const rgba = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0, o = 0; i < img.data.length; i += 3, o += 4) {
    rgba[o] = img.data[i]!; rgba[o + 1] = img.data[i + 1]!; rgba[o + 2] = img.data[i + 2]!; rgba[o + 3] = 255;
  }
  return jpeg.encode({ data: rgba, width: img.width, height: img.height }, quality).data;
}
