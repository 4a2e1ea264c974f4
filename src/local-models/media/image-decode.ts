import jpeg from 'jpeg-js';
import { VideoAgentError } from '../../errors';
import { decodePng, isPng } from './png-decode';
import type { RgbImage } from './rgb-image';

const MAX_MEMORY_MB = 512;

function isJpeg(buf: Buffer): boolean {
  return buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
}

/** Decodes a JPEG or PNG (sniffed from its magic bytes, not trusted from a name) into packed RGB. */
export function decodeImage(buf: Buffer, what = 'image'): RgbImage {
  try {
    if (isPng(buf)) return decodePng(buf);
    if (isJpeg(buf)) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: MAX_MEMORY_MB });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    if (err instanceof VideoAgentError) throw new VideoAgentError(err.code, `${what}: ${err.message}`, { cause: err });
    throw new VideoAgentError('E_BAD_IMAGE', `${what}: corrupt image (${(err as Error).message})`, { cause: err });
  }
  throw new VideoAgentError('E_BAD_IMAGE', `${what}: not a JPEG or PNG image`);
}
