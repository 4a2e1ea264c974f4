import assert from 'node:assert/strict';
import { png } from './helpers/media';
import { decodeImage } from '../../src/local-models';
import { MAX_IMAGE_PIXELS, SharpImage } from '../../src/local-models/media/sharp-image';

/** A PNG whose header declares `width`×`height` RGB, with just one row of (zero) data. */
function declaredPng(width: number, height: number): Buffer {
  return png(width, height, 2, [Buffer.alloc(1 + width * 3)]);
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
