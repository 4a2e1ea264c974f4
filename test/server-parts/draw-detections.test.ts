import assert from 'node:assert/strict';
import sharp from 'sharp';
import { boxColour, drawDetections, escapeXml, labelText } from '../../src/server/snapshot/draw-detections';
import type { DetectedObject } from '../../src/topics/detections';

const GREY = { r: 128, g: 128, b: 128 };

async function uniformJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: GREY } }).jpeg({ quality: 95 }).toBuffer();
}

async function pixels(jpeg: Buffer): Promise<{ at(x: number, y: number): [number, number, number]; width: number; height: number }> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => {
      const i = (y * info.width + x) * info.channels;
      return [data[i]!, data[i + 1]!, data[i + 2]!];
    },
  };
}

/** Largest channel difference from the background grey. */
const distance = (p: [number, number, number]) => Math.max(Math.abs(p[0] - GREY.r), Math.abs(p[1] - GREY.g), Math.abs(p[2] - GREY.b));

const obj = (bbox: DetectedObject['bbox'], extra: Partial<DetectedObject> = {}): DetectedObject => ({
  bbox, confidence: 0.87, classId: 0, className: 'person', trackId: 3, ...extra,
});

describe('server snapshot: drawDetections', () => {
  it('paints the box edges and leaves the inside of the box alone', async () => {
    const src = await uniformJpeg(320, 240);
    const out = await drawDetections(src, { width: 320, height: 240 }, [obj([40, 60, 200, 180])]);
    const px = await pixels(out);
    assert.deepEqual([px.width, px.height], [320, 240]);
    for (const [x, y] of [[41, 120], [199, 120], [120, 61], [120, 179]] as const) {
      assert.ok(distance(px.at(x, y)) > 40, `edge pixel (${x},${y}) = ${px.at(x, y)} should be the stroke colour`);
    }
    assert.ok(distance(px.at(120, 120)) < 8, `centre ${px.at(120, 120)} must stay grey`);
    assert.ok(distance(px.at(280, 220)) < 8, 'outside the box stays grey');
  });

  it('scales boxes given in frame pixels when the JPEG has another size', async () => {
    const src = await uniformJpeg(320, 240);
    // Analysed at 640x480: this box is (40,60)-(200,180) on the 320x240 JPEG.
    const out = await drawDetections(src, { width: 640, height: 480 }, [obj([80, 120, 400, 360])]);
    const px = await pixels(out);
    assert.ok(distance(px.at(41, 120)) > 40, 'scaled left edge painted');
    assert.ok(distance(px.at(81, 121)) < 8, 'unscaled left edge position (inside the scaled box) untouched');
    assert.ok(distance(px.at(250, 120)) < 8, 'beyond the scaled right edge untouched');
  });

  it('survives label text with XML characters, and draws the label', async () => {
    const src = await uniformJpeg(320, 240);
    const nasty = obj([40, 60, 200, 180], { className: '<&>"\' </text><script>', trackId: null, classId: 7 });
    const out = await drawDetections(src, { width: 320, height: 240 }, [nasty]);
    const px = await pixels(out);
    // The label background sits just above the box.
    assert.ok(distance(px.at(45, 55)) > 40, 'label background drawn above the box');
    assert.equal(escapeXml('<&>'), '&lt;&amp;&gt;');
    assert.match(labelText(nasty), /^<&>.* 0\.87$/);
  });

  it('returns a valid JPEG for zero objects and skips degenerate boxes', async () => {
    const src = await uniformJpeg(64, 48);
    const none = await drawDetections(src, { width: 64, height: 48 }, []);
    assert.equal((await sharp(none).metadata()).format, 'jpeg');
    const bad = await drawDetections(src, { width: 64, height: 48 }, [obj([10, 10, 10, 30]), obj([Number.NaN, 0, 5, 5])]);
    const px = await pixels(bad);
    assert.ok(distance(px.at(10, 20)) < 8, 'a zero-width box draws nothing');
  });

  it('rejects a buffer that is not an image with a typed error', async () => {
    await assert.rejects(drawDetections(Buffer.from('nope'), { width: 10, height: 10 }, [obj([1, 1, 5, 5])]), (e: unknown) => (e as { code?: string }).code === 'E_BAD_IMAGE');
  });

  it('colours by track id (whatever the class), else by class', () => {
    assert.equal(boxColour({ trackId: 5, classId: 0 }), boxColour({ trackId: 5, classId: 2 }));
    assert.equal(boxColour({ trackId: null, classId: 2 }), boxColour({ trackId: null, classId: 2 }));
    const distinct = new Set([1, 2, 3, 4, 5, 6].map((t) => boxColour({ trackId: t, classId: 0 })));
    assert.ok(distinct.size >= 4, `neighbouring tracks get different colours (${[...distinct]})`);
  });
});
