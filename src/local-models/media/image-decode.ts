import type { RgbImage } from './rgb-image';
import { SharpImage } from './sharp-image';

/** Decodes a JPEG or PNG (sniffed from its magic bytes) into packed RGB, through sharp (libvips). */
export async function decodeImage(buf: Buffer, what = 'image'): Promise<RgbImage> {
  const img = new SharpImage(buf, what);
  const { data, width, height } = await img.rgb(img.pipeline());
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
