/**
 * Face crops for the emotion endpoint: the face box grown by `margin` on each side, made square around its
 * centre (expression models expect square faces: no distortion when resized), clipped to the frame and
 * resized to `size`×`size` JPEG with sharp. The frame is decoded once for all its faces.
 */
import sharp from 'sharp';
import type { Box } from './face-finder';

export interface CropOptions { margin: number; size: number }

export async function cropFaces(jpeg: Buffer, boxes: Box[], o: CropOptions): Promise<Buffer[]> {
  if (!boxes.length) return [];
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels as 3 };
  return Promise.all(boxes.map((b) => {
    const r = squareRect(b, o.margin, info.width, info.height);
    return sharp(data, { raw }).extract(r).resize(o.size, o.size, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
  }));
}

export function squareRect(b: Box, margin: number, width: number, height: number): { left: number; top: number; width: number; height: number } {
  const side = Math.max(b[2] - b[0], b[3] - b[1]) * (1 + 2 * margin);
  const cx = (b[0] + b[2]) / 2;
  const cy = (b[1] + b[3]) / 2;
  // Clipped to the frame; a box at (or past) an edge still yields at least one pixel inside it.
  const left = Math.min(width - 1, Math.max(0, Math.floor(cx - side / 2)));
  const top = Math.min(height - 1, Math.max(0, Math.floor(cy - side / 2)));
  const right = Math.max(left + 1, Math.min(width, Math.ceil(cx + side / 2)));
  const bottom = Math.max(top + 1, Math.min(height, Math.ceil(cy + side / 2)));
  return { left, top, width: right - left, height: bottom - top };
}
