import type { RgbImage } from '../media/rgb-image';

export interface ImageStats {
  frames: number;
  /** Mean luma 0..255 over all frames. */
  brightness: number;
  /** Mean absolute luma change between consecutive frames on a coarse grid, 0..255 (0 with < 2 frames). */
  motion: number;
}

const GRID = 32;

/** Luma sampled on a GRID×GRID lattice: cheap, and robust to frames of different sizes. */
function lumaGrid(img: RgbImage): Float32Array {
  const out = new Float32Array(GRID * GRID);
  for (let gy = 0; gy < GRID; gy++) {
    const y = Math.min(img.height - 1, Math.floor(((gy + 0.5) * img.height) / GRID));
    for (let gx = 0; gx < GRID; gx++) {
      const x = Math.min(img.width - 1, Math.floor(((gx + 0.5) * img.width) / GRID));
      const i = (y * img.width + x) * 3;
      out[gy * GRID + gx] = 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
    }
  }
  return out;
}

export function computeImageStats(images: RgbImage[]): ImageStats {
  const grids = images.map(lumaGrid);
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  const brightness = grids.length ? grids.reduce((s, g) => s + mean(g), 0) / grids.length : 0;
  let motion = 0;
  for (let i = 1; i < grids.length; i++) {
    const a = grids[i - 1]!, b = grids[i]!;
    let d = 0;
    for (let j = 0; j < a.length; j++) d += Math.abs(a[j]! - b[j]!);
    motion += d / a.length;
  }
  if (grids.length > 1) motion /= grids.length - 1;
  const r = (v: number) => Math.round(v * 10) / 10;
  return { frames: images.length, brightness: r(brightness), motion: r(motion) };
}
