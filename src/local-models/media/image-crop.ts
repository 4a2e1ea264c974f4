import sharp from 'sharp';
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

function rawInput(img: RgbImage): sharp.Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

/** JPEG of a region of an already-decoded image (the frame is decoded once for all its crops). */
export function encodeJpegCrop(img: RgbImage, r: PixelRect, quality = 90): Promise<Buffer> {
  return rawInput(img).extract({ left: r.x, top: r.y, width: r.width, height: r.height }).jpeg({ quality }).toBuffer();
}

export function encodeJpeg(img: RgbImage, quality = 90): Promise<Buffer> {
  return rawInput(img).jpeg({ quality }).toBuffer();
}
