import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createLocalModel, decodeImage } from '../../src/local-models';
import { decodeBase64 } from '../../src/local-models/media/base64';
import { encodeJpeg } from '../../src/local-models/media/image-crop';
import { ASTRONAUT_PNG, tempDir } from './helpers/media';

/** A minimal PNG writer for test images (filter type per row chosen by the caller). */
function png(width: number, height: number, colorType: number, rows: Buffer[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]); // CRC unchecked by our decoder
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = colorType;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

describe('local-models/media', () => {
  it('decodes astronaut.png exactly as GStreamer pngdec does', () => {
    const tmp = tempDir();
    try {
      const raw = path.join(tmp.dir, 'astronaut.rgb');
      execFileSync('gst-launch-1.0', ['-q', 'filesrc', `location=${ASTRONAUT_PNG}`, '!', 'pngdec', '!', 'videoconvert', '!',
        'video/x-raw,format=RGB', '!', 'filesink', `location=${raw}`]);
      const img = decodeImage(readFileSync(ASTRONAUT_PNG));
      assert.equal(img.width, 512);
      assert.equal(img.height, 512);
      assert.ok(Buffer.from(img.data).equals(readFileSync(raw)), 'pixels differ from pngdec');
    } finally { tmp.cleanup(); }
  });

  it('decodes grey+alpha and RGBA PNGs with Sub/Up/Average/Paeth filters', () => {
    const ga = decodeImage(png(2, 1, 4, [Buffer.from([1, 10, 255, 20, 5])])); // Sub: second grey = 10+20
    assert.deepEqual([...ga.data], [10, 10, 10, 30, 30, 30]);
    const rows = [Buffer.from([0, 1, 2, 3, 255, 4, 5, 6, 255]), Buffer.from([2, 1, 1, 1, 0, 1, 1, 1, 0])]; // None, Up
    assert.deepEqual([...decodeImage(png(2, 2, 6, rows)).data], [1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 7]);
    const avg = decodeImage(png(1, 2, 2, [Buffer.from([0, 10, 20, 30]), Buffer.from([3, 1, 1, 1])])); // Average: 1 + (0+b)/2
    assert.deepEqual([...avg.data.subarray(3)], [6, 11, 16]);
    const paeth = decodeImage(png(1, 2, 2, [Buffer.from([0, 10, 20, 30]), Buffer.from([4, 1, 1, 1])])); // Paeth picks b
    assert.deepEqual([...paeth.data.subarray(3)], [11, 21, 31]);
  });

  it('round-trips a JPEG through our encoder and jpeg-js', () => {
    const img = { width: 16, height: 8, data: new Uint8Array(16 * 8 * 3).fill(128) };
    const back = decodeImage(encodeJpeg(img));
    assert.equal(back.width, 16);
    assert.ok(Math.abs(back.data[0]! - 128) <= 2);
  });

  it('rejects truncated or foreign images clearly', () => {
    const pngBytes = readFileSync(ASTRONAUT_PNG);
    assert.throws(() => decodeImage(pngBytes.subarray(0, 2000), 'images[0]'), /images\[0\]: (truncated|corrupt) PNG/);
    assert.throws(() => decodeImage(Buffer.from('GIF89a....'), 'x'), /x: not a JPEG or PNG image/);
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
