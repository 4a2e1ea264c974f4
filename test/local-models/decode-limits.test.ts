import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { decodeImage } from '../../src/local-models';
import { MAX_IMAGE_PIXELS, SharpImage } from '../../src/local-models/media/sharp-image';

/** A PNG whose header declares `width`×`height` RGB, with just one row of (zero) data. */
function declaredPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(1 + width * 3))), chunk('IEND', Buffer.alloc(0))]);
}

const tooLarge = (e: unknown) => (e as { code?: string }).code === 'E_IMAGE_TOO_LARGE' && /12000×12000/.test((e as Error).message);

describe('local-models/media: decompression bombs', () => {
  // 144 M pixels: over our limit, under libvips' own default (268 M), so only our limit stops it.
  const bomb = declaredPng(12_000, 12_000);

  it('a small PNG declaring 12000×12000 is refused from its header on every decode path', async () => {
    assert.ok(bomb.length < 1000, `${bomb.length} bytes`);
    assert.ok(12_000 * 12_000 > MAX_IMAGE_PIXELS);
    await assert.rejects(decodeImage(bomb, 'image'), tooLarge);
    const img = new SharpImage(bomb, 'images[0]');
    await assert.rejects(img.size(), tooLarge);
    // The detector's path: a resize pipeline straight into rgb(), no size() first.
    await assert.rejects(new SharpImage(bomb, 'images[0]').rgb(img.pipeline().resize(64, 64)), tooLarge);
  });

  it('an image under the limit is still decoded (the check is on the declared size, not the file)', async () => {
    const ok = await decodeImage(declaredPng(4, 1));
    assert.equal(ok.width, 4);
    assert.equal(ok.data.length, 12);
  });
});
