import sharp from 'sharp';
import { VideoAgentError } from '../../errors';

/**
 * Refuse images larger than this: a 420 KB PNG of zero rows can declare 12000×12000 and decode to 432 MB.
 * Checked from the header before any decode (E_IMAGE_TOO_LARGE), and passed to libvips as its own limit too.
 */
export const MAX_IMAGE_PIXELS = 64_000_000;

export type ImageFormat = 'JPEG' | 'PNG';

/** The container, sniffed from magic bytes (never trusted from a name or MIME type). */
export function sniffFormat(buf: Buffer): ImageFormat | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'JPEG';
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47 && buf.readUInt32BE(4) === 0x0d0a1a0a) return 'PNG';
  return undefined;
}

/**
 * A sharp (libvips) pipeline over a JPEG or PNG, converted to 8-bit sRGB without alpha: the models take RGB,
 * whatever the file holds (grey, palette, 16-bit, RGBA). `run` maps libvips' errors to E_BAD_IMAGE naming `what`.
 */
export class SharpImage {
  readonly format: ImageFormat;
  private header?: Promise<{ width: number; height: number }>;

  constructor(private readonly buf: Buffer, readonly what: string) {
    const format = sniffFormat(buf);
    if (!format) throw new VideoAgentError('E_BAD_IMAGE', `${what}: not a JPEG or PNG image`);
    this.format = format;
  }

  /** A fresh pipeline (sharp pipelines are single-use). */
  pipeline(): sharp.Sharp {
    return sharp(this.buf, { limitInputPixels: MAX_IMAGE_PIXELS }).toColourspace('srgb').removeAlpha();
  }

  /**
   * Stored width and height, read from the header (no EXIF rotation: boxes refer to the stored pixels); over
   * MAX_IMAGE_PIXELS is E_IMAGE_TOO_LARGE. Reading the header decodes no pixels, so it needs no limit itself.
   */
  size(): Promise<{ width: number; height: number }> {
    this.header ??= this.run(() => sharp(this.buf, { limitInputPixels: false }).metadata()).then((meta) => {
      if (!meta.width || !meta.height) throw new VideoAgentError('E_BAD_IMAGE', `${this.what}: ${this.format} has no size`);
      if (meta.width * meta.height > MAX_IMAGE_PIXELS) {
        throw new VideoAgentError('E_IMAGE_TOO_LARGE', `${this.what}: ${this.format} declares ${meta.width}×${meta.height} pixels, over the ${MAX_IMAGE_PIXELS.toLocaleString('en')}-pixel limit`, { kind: 'bad_input' });
      }
      return { width: meta.width, height: meta.height };
    });
    return this.header;
  }

  /** Packed RGB bytes of `p`'s output (after the header's size check); checks the channel count the caller relies on. */
  async rgb(p: sharp.Sharp): Promise<{ data: Buffer; width: number; height: number }> {
    await this.size();
    const { data, info } = await this.run(() => p.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
    if (info.channels !== 3) throw new VideoAgentError('E_BAD_IMAGE', `${this.what}: decoded to ${info.channels} channels, expected RGB`);
    return { data, width: info.width, height: info.height };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof VideoAgentError) throw err;
      const reason = (err as Error).message.split('\n')[0];
      throw new VideoAgentError('E_BAD_IMAGE', `${this.what}: corrupt ${this.format} image (${reason})`, { cause: err });
    }
  }
}
