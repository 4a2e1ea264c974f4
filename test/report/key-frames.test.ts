import assert from 'node:assert/strict';
import sharp from 'sharp';
import { KeyFrameCollector } from '../../src/report';
import { boxColour } from '../../src/server/snapshot/draw-detections';
import type { DetectedObject, DetectionsMsg, EventMsg, FrameMsg } from '../../src/topics';

const W = 640;
const H = 360;

/** A grey frame whose brightness encodes its second (so a thumbnail tells which frame it is). */
async function frameJpeg(level: number): Promise<Buffer> {
  return sharp({ create: { width: W, height: H, channels: 3, background: { r: level, g: level, b: level } } }).jpeg({ quality: 90 }).toBuffer();
}

function frame(ptsUs: number, jpeg: Buffer, sceneScore: number | null = null): FrameMsg {
  return { streamId: 's', ptsUs, ts: 1e12 + ptsUs / 1000, width: W, height: H, jpeg, sceneScore };
}
function dets(ptsUs: number, detections: DetectedObject[]): DetectionsMsg {
  return { streamId: 's', ptsUs, ts: 0, width: W, height: H, detections, skipped: null };
}
function event(startUs: number, score: number): EventMsg {
  return { streamId: 's', ptsUs: startUs, ts: 0, startUs, endUs: startUs + 3e6, triggerUs: startUs, description: 'd', tags: [], clipWorthyScore: score, emotions: [], model: 'm' };
}

describe('report: KeyFrameCollector', () => {
  it('an hour at 10 fps: held frames and bytes stay bounded; the key frames are the first and evenly spread ones', async () => {
    const jpegs = await Promise.all([0, 1, 2, 3].map((i) => frameJpeg(40 + i * 50)));
    const size = Math.max(...jpegs.map((j) => j.length));
    const recentMaxBytes = 40 * size;
    const c = new KeyFrameCollector({ maxFrames: 12, recentMaxBytes });
    let maxHeld = 0;
    let maxBytes = 0;
    for (let i = 0; i < 36_000; i++) {
      c.tap('frames', frame(i * 100_000, jpegs[i % 4]!, i % 5 === 0 ? 0.01 : null));
      if (i % 500 === 0) {
        const h = c.held();
        maxHeld = Math.max(maxHeld, h.frames);
        maxBytes = Math.max(maxBytes, h.bytes);
      }
    }
    // Recent buffer (≤ 40 frames by bytes) + first + evenly spaced (≤ 2 × 12 + 1); no scene frame under 0.3.
    assert.ok(maxHeld <= 40 + 1 + 25, `held up to ${maxHeld} frames`);
    assert.ok(maxBytes <= recentMaxBytes + 26 * size, `held up to ${maxBytes} bytes`);
    const out = await c.finish();
    assert.equal(out.length, 12);
    assert.equal(out[0]!.ptsUs, 0);
    assert.deepEqual(out[0]!.reasons, ['first']);
    const t = out.map((k) => k.ptsUs / 1e6);
    for (let i = 1; i < t.length; i++) assert.ok(t[i]! > t[i - 1]!, 'in media-time order');
    assert.ok(t[t.length - 1]! > 3000, `the last key frame at ${t[t.length - 1]} s of 3600`);
    const gaps = t.slice(2).map((v, i) => v - t[i + 1]!);
    assert.ok(Math.max(...gaps) < 3 * Math.min(...gaps), `even gaps ${gaps.map((g) => g.toFixed(0)).join(',')}`);
    for (const k of out) {
      assert.ok(k.width <= 480 && k.width > 0, `thumbnail ${k.width} px`);
      assert.equal((await sharp(k.jpeg).metadata()).width, k.width);
    }
  });

  it('picks the frame nearest an event start (arriving later) and scene changes, with the boxes of the same pts drawn', async () => {
    const c = new KeyFrameCollector({ maxFrames: 6 });
    const levels = new Map<number, number>();
    for (let i = 0; i <= 100; i++) {
      const pts = i * 100_000;
      const level = 20 + 2 * i;
      levels.set(pts, level);
      c.tap('frames', frame(pts, await frameJpeg(level), i === 80 ? 0.9 : i % 5 === 0 && i > 0 ? 0.05 : null));
      // The detections of a frame arrive a few frames later, the event long after its start.
      if (i >= 3) c.tap('detections', dets(pts - 300_000, pts - 300_000 === 4_000_000 ? [{ bbox: [100, 50, 400, 300], confidence: 0.9, classId: 0, className: 'person', trackId: 7 }] : []));
      if (i === 70) c.tap('events', event(4_100_000, 0.7));
    }
    const out = await c.finish();
    assert.ok(out.length <= 6);
    const ev = out.find((k) => k.reasons.includes('event'));
    assert.ok(ev, JSON.stringify(out.map((k) => [k.ptsUs, k.reasons])));
    assert.equal(ev.ptsUs, 4_000_000, 'the buffered frame nearest 4.1 s (one per 0.5 s)');
    assert.equal(ev.eventStartUs, 4_100_000);
    assert.equal(ev.objects?.[0]?.className, 'person');
    const scene = out.find((k) => k.reasons.includes('scene'));
    assert.equal(scene?.ptsUs, 8_000_000);
    assert.equal(out.filter((k) => k.reasons.includes('scene')).length, 1, 'scores under 0.3 are no scene change');

    // The box is drawn: its top edge has the track's colour; the same spot in a frame without boxes is grey.
    const img = await sharp(ev.jpeg).raw().toBuffer({ resolveWithObject: true });
    const s = img.info.width / W;
    const px = (x: number, y: number) => { const o = (Math.round(y) * img.info.width + Math.round(x)) * img.info.channels; return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!]; };
    const want = parseInt(boxColour({ trackId: 7, classId: 0 }).slice(1), 16);
    const rgb = [(want >> 16) & 255, (want >> 8) & 255, want & 255];
    const edge = px(250 * s, 50 * s + 1);
    assert.ok(edge.every((v, i) => Math.abs(v - rgb[i]!) < 60), `edge ${edge} vs box colour ${rgb}`);
    const inside = px(250 * s, 175 * s);
    const grey = levels.get(4_000_000)!;
    assert.ok(inside.every((v) => Math.abs(v - grey) < 12), `inside ${inside} vs grey ${grey}`);
    const plain = out.find((k) => k.ptsUs === 0)!;
    assert.deepEqual(plain.objects, [], 'the first frame had an (empty) detections message');
  });

  it('keeps only the best-scored events when there are more than its budget', async () => {
    const c = new KeyFrameCollector({ maxFrames: 24, maxEventFrames: 2 });
    const j = await frameJpeg(100);
    for (let i = 0; i < 200; i++) {
      c.tap('frames', frame(i * 100_000, j));
      if (i % 20 === 19) c.tap('events', event((i - 10) * 100_000, (i % 40 === 39 ? 0.9 : 0.1)));
    }
    const ev = (await c.finish()).filter((k) => k.reasons.includes('event'));
    assert.equal(ev.length, 2);
    // Events at 2.9, 6.9, … s had score 0.9; the first two of those are kept, the 0.1 ones replaced.
    assert.deepEqual(ev.map((k) => k.eventStartUs), [2_900_000, 6_900_000]);
  });
});
