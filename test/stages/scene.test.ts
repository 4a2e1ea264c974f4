import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { frameSignature, sceneDistance } from '../../src/stages/vlm/scene';
import { ASTRONAUT_PNG, VTEST_AVI, requireFile, tempDir } from '../local-models/helpers/media';

/** A w×h JPEG of one colour, or of two colours split into left and right halves. */
function solidJpeg(w: number, h: number, rgb: [number, number, number], right = rgb): Promise<Buffer> {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(x >= w / 2 ? right : rgb, (y * w + x) * 3);
  return sharp(data, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

const distance = async (a: Buffer, b: Buffer) => sceneDistance(await frameSignature(a), await frameSignature(b));

describe('stages/vlm scene signature (sharp)', function () {
  this.timeout(30_000);

  it('is near 0 for the same colour, large for a cut, and catches a layout swap with equal histograms', async () => {
    const red = await solidJpeg(64, 36, [200, 30, 30]);
    assert.ok((await distance(red, await solidJpeg(64, 36, [205, 32, 28]))) < 0.1);
    assert.ok((await distance(red, await solidJpeg(64, 36, [20, 40, 210]))) > 0.5);
    const swapped = await solidJpeg(64, 36, [0, 0, 0], [255, 255, 255]);
    const swapped2 = await solidJpeg(64, 36, [255, 255, 255], [0, 0, 0]);
    const s = await frameSignature(swapped);
    assert.ok(Math.abs(s.hist[0]! - 0.5) < 0.05 && Math.abs(s.hist[31]! - 0.5) < 0.05, 'half black, half white');
    assert.ok((await distance(swapped, swapped2)) > 0.5);
  });

  it('on real video: consecutive vtest.avi frames are close, a cut to astronaut.png is far, the frame size does not matter', async () => {
    const tmp = tempDir();
    try {
      execFileSync('gst-launch-1.0', ['-q', 'filesrc', `location=${requireFile(VTEST_AVI, 'opencv-doc')}`, '!', 'decodebin', '!',
        'videoconvert', '!', 'jpegenc', '!', 'multifilesink', `location=${path.join(tmp.dir, 'f%03d.jpg')}`, 'max-files=3']);
      const frames = readdirSync(tmp.dir).sort().slice(-2).map((f) => readFileSync(path.join(tmp.dir, f)));
      const astronaut = await sharp(requireFile(ASTRONAUT_PNG, 'python3-skimage')).resize(768, 576).jpeg().toBuffer();
      const motion = await distance(frames[0]!, frames[1]!);
      const cut = await distance(frames[1]!, astronaut);
      assert.ok(motion < 0.1, `consecutive frames: ${motion}`);
      assert.ok(cut > 0.3, `cut: ${cut}`);
      const big = await sharp(frames[1]!).resize(1920, 1440).jpeg().toBuffer();
      assert.ok((await distance(frames[1]!, big)) < 0.05, 'same picture at 2.5x the size');
    } finally { tmp.cleanup(); }
  });

  it('rejects a buffer that is not an image', async () => {
    await assert.rejects(frameSignature(Buffer.from('not a jpeg at all')));
  });
});
