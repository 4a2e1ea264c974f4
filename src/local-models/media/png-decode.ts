import zlib from 'node:zlib';
import { VideoAgentError } from '../../errors';
import type { RgbImage } from './rgb-image';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel for each PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Refuse images whose RGB buffer would exceed this (a hostile header must not allocate gigabytes). */
const MAX_PIXELS = 64_000_000;

export function isPng(buf: Buffer): boolean {
  return buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE);
}

/**
 * A small, complete-enough PNG decoder (no pure-JS PNG package is a dependency and tfjs cannot decode images
 * in Node without tfjs-node): non-interlaced, bit depth 8 or 16, colour types grey, RGB, palette, grey+alpha,
 * RGBA. Alpha is dropped (the models take RGB). Anything else is rejected with a clear error.
 */
export function decodePng(buf: Buffer): RgbImage {
  if (!isPng(buf)) throw new VideoAgentError('E_BAD_IMAGE', 'not a PNG file');
  let pos = 8;
  let width = 0, height = 0, depth = 0, colorType = 0, interlace = 0;
  let palette: Buffer | undefined;
  const idat: Buffer[] = [];
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (data.length !== len) throw new VideoAgentError('E_BAD_IMAGE', `truncated PNG (chunk ${type})`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      depth = data[8]!; colorType = data[9]!; interlace = data[12]!;
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = CHANNELS[colorType];
  if (!width || !height || channels === undefined) throw new VideoAgentError('E_BAD_IMAGE', 'PNG has no valid IHDR');
  if (width * height > MAX_PIXELS) throw new VideoAgentError('E_BAD_IMAGE', `PNG too large (${width}x${height})`);
  if (interlace !== 0) throw new VideoAgentError('E_BAD_IMAGE', 'interlaced PNG is not supported; send JPEG or a non-interlaced PNG');
  if (depth !== 8 && depth !== 16) throw new VideoAgentError('E_BAD_IMAGE', `PNG bit depth ${depth} is not supported (8 or 16 only)`);
  if (colorType === 3 && (!palette || depth !== 8)) throw new VideoAgentError('E_BAD_IMAGE', 'palette PNG without a usable palette');
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw new VideoAgentError('E_BAD_IMAGE', 'corrupt PNG image data', { cause: err });
  }
  const bpp = channels * (depth / 8);
  const stride = width * bpp;
  if (raw.length < height * (stride + 1)) throw new VideoAgentError('E_BAD_IMAGE', 'truncated PNG image data');
  const pixels = unfilter(raw, height, stride, bpp);
  const rgb = new Uint8Array(width * height * 3);
  const step = depth / 8; // 16-bit samples: keep the most significant byte
  for (let i = 0, o = 0; i < width * height; i++, o += 3) {
    const base = i * bpp;
    if (colorType === 3) {
      const p = pixels[base]! * 3;
      rgb[o] = palette![p] ?? 0; rgb[o + 1] = palette![p + 1] ?? 0; rgb[o + 2] = palette![p + 2] ?? 0;
    } else if (channels <= 2) {
      const g = pixels[base]!;
      rgb[o] = g; rgb[o + 1] = g; rgb[o + 2] = g;
    } else {
      rgb[o] = pixels[base]!; rgb[o + 1] = pixels[base + step]!; rgb[o + 2] = pixels[base + 2 * step]!;
    }
  }
  return { width, height, data: rgb };
}

/** Reverses PNG's per-scanline filters (None, Sub, Up, Average, Paeth). */
function unfilter(raw: Buffer, height: number, stride: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[prev + x]! : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp]! : 0;
      const v = raw[src + x]!;
      let r: number;
      switch (filter) {
        case 0: r = v; break;
        case 1: r = v + a; break;
        case 2: r = v + b; break;
        case 3: r = v + ((a + b) >> 1); break;
        case 4: {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          r = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new VideoAgentError('E_BAD_IMAGE', `corrupt PNG (unknown filter ${filter})`);
      }
      out[row + x] = r & 0xff;
    }
  }
  return out;
}
