import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createLocalModel, decodeImage } from '../../src/local-models';
import { decodeBase64 } from '../../src/local-models/media/base64';
import { encodeJpeg, encodeJpegCrop, expandRect } from '../../src/local-models/media/image-crop';
import { ASTRONAUT_PNG, png, tempDir } from './helpers/media';

describe('local-models/media', () => {
  it('decodes astronaut.png exactly as GStreamer pngdec does', async () => {
    const tmp = tempDir();
    try {
      const raw = path.join(tmp.dir, 'astronaut.rgb');
      execFileSync('gst-launch-1.0', ['-q', 'filesrc', `location=${ASTRONAUT_PNG}`, '!', 'pngdec', '!', 'videoconvert', '!',
        'video/x-raw,format=RGB', '!', 'filesink', `location=${raw}`]);
      const img = await decodeImage(readFileSync(ASTRONAUT_PNG));
      assert.equal(img.width, 512);
      assert.equal(img.height, 512);
      assert.ok(Buffer.from(img.data).equals(readFileSync(raw)), 'pixels differ from pngdec');
    } finally { tmp.cleanup(); }
  });

  it('decodes grey+alpha and RGBA PNGs with Sub/Up/Average/Paeth filters', async () => {
    const ga = await decodeImage(png(2, 1, 4, [Buffer.from([1, 10, 255, 20, 5])])); // Sub: second grey = 10+20
    assert.deepEqual([...ga.data], [10, 10, 10, 30, 30, 30]);
    const rows = [Buffer.from([0, 1, 2, 3, 255, 4, 5, 6, 255]), Buffer.from([2, 1, 1, 1, 0, 1, 1, 1, 0])]; // None, Up
    assert.deepEqual([...(await decodeImage(png(2, 2, 6, rows))).data], [1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 7]);
    const avg = await decodeImage(png(1, 2, 2, [Buffer.from([0, 10, 20, 30]), Buffer.from([3, 1, 1, 1])])); // Average: 1 + (0+b)/2
    assert.deepEqual([...avg.data.subarray(3)], [6, 11, 16]);
    const paeth = await decodeImage(png(1, 2, 2, [Buffer.from([0, 10, 20, 30]), Buffer.from([4, 1, 1, 1])])); // Paeth picks b
    assert.deepEqual([...paeth.data.subarray(3)], [11, 21, 31]);
  });

  it('round-trips astronaut.png through JPEG within a small pixel tolerance, and crops the region asked for', async () => {
    const img = await decodeImage(readFileSync(ASTRONAUT_PNG));
    const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    const back = await decodeImage(await encodeJpeg(img));
    assert.deepEqual([back.width, back.height], [512, 512]);
    const full = meanAbsDiff(img.data, back.data);
    assert.ok(full > 0 && full < 4, `mean abs diff after JPEG q90: ${full}`);
    // A crop of the decoded image equals the same region of the whole (up to JPEG loss).
    const rect = expandRect({ x: 100, y: 50, width: 200, height: 100 }, 0.1, img.width, img.height);
    assert.deepEqual(rect, { x: 80, y: 40, width: 240, height: 120 });
    const crop = await decodeImage(await encodeJpegCrop(img, rect));
    assert.deepEqual([crop.width, crop.height], [240, 120]);
    const region = new Uint8Array(240 * 120 * 3);
    for (let y = 0; y < 120; y++) region.set(img.data.subarray(((40 + y) * 512 + 80) * 3, ((40 + y) * 512 + 320) * 3), y * 240 * 3);
    assert.ok(meanAbsDiff(region, crop.data) < 4, 'crop pixels match the region');
  });

  it('decodes a JPEG within a small tolerance of GStreamer jpegdec (libjpeg), greyscale JPEGs as RGB', async () => {
    const tmp = tempDir();
    try {
      const jpg = path.join(tmp.dir, 'a.jpg');
      const raw = path.join(tmp.dir, 'a.rgb');
      execFileSync('gst-launch-1.0', ['-q', 'filesrc', `location=${ASTRONAUT_PNG}`, '!', 'pngdec', '!', 'videoconvert', '!', 'jpegenc', '!', 'filesink', `location=${jpg}`]);
      execFileSync('gst-launch-1.0', ['-q', 'filesrc', `location=${jpg}`, '!', 'jpegdec', '!', 'videoconvert', '!', 'video/x-raw,format=RGB', '!', 'filesink', `location=${raw}`]);
      const img = await decodeImage(readFileSync(jpg));
      const ref = readFileSync(raw);
      assert.equal(img.data.length, ref.length);
      const diff = img.data.reduce((s, v, i) => s + Math.abs(v - ref[i]!), 0) / ref.length;
      assert.ok(diff < 4, `mean abs diff vs jpegdec: ${diff}`);
      const grey = await sharp(readFileSync(jpg)).greyscale().jpeg().toBuffer();
      const g = await decodeImage(grey);
      assert.equal(g.data.length, 512 * 512 * 3);
      assert.ok(g.data[3000] === g.data[3001] && g.data[3001] === g.data[3002], 'grey replicated into R, G and B');
    } finally { tmp.cleanup(); }
  });

  it('rejects truncated or foreign images clearly', async () => {
    const pngBytes = readFileSync(ASTRONAUT_PNG);
    await assert.rejects(decodeImage(pngBytes.subarray(0, 2000), 'images[0]'), /images\[0\]: corrupt PNG image/);
    await assert.rejects(decodeImage(Buffer.from('GIF89a....'), 'x'), /x: not a JPEG or PNG image/);
    const jpg = await encodeJpeg({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(90) });
    await assert.rejects(decodeImage(jpg.subarray(0, jpg.length / 2), 'faces[2]'),
      (e: Error & { code?: string }) => e.code === 'E_BAD_IMAGE' && /faces\[2\]: corrupt JPEG image/.test(e.message));
  });

  it('decodes base64 strictly, including data URLs and url-safe base64', () => {
    assert.equal(decodeBase64('aGVsbG8=', 'f').toString(), 'hello');
    assert.equal(decodeBase64('data:image/png;base64,aGVs\nbG8=', 'f').toString(), 'hello');
    assert.equal(decodeBase64('-_8', 'f').toString('hex'), 'fbff');
    assert.throws(() => decodeBase64('hello world!', 'f'), /f: not valid base64/);
    assert.throws(() => decodeBase64('', 'f'), /empty/);
    assert.throws(() => decodeBase64(42, 'f'), /expected a base64 string/);
  });

  it('createLocalModel names what it cannot create', () => {
    assert.throws(() => createLocalModel('stub'), /emulator's timing stub/);
    assert.throws(() => createLocalModel('nope' as never), /unknown local worker "nope"/);
  });
});
