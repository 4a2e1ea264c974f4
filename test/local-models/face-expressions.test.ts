import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EMOTIONS, FaceEmotionClassifier } from '../../src/local-models';
import { ASTRONAUT_PNG, assertSchema, noAbort, requireFile, tempDir, vtestFrameJpeg } from './helpers/media';

describe('local-models/face-expressions (face-api expression model on tfjs-wasm)', function () {
  this.timeout(120_000);
  const worker = new FaceEmotionClassifier();
  let astronaut: string;

  before(async () => {
    astronaut = readFileSync(requireFile(ASTRONAUT_PNG, 'python3-skimage')).toString('base64');
    await worker.init();
  });
  after(() => worker.close());

  it("crops the astronaut's face from the full frame and classifies it as happy (top-1)", async () => {
    const crops = await worker.cropFaces(astronaut);
    assert.equal(crops.width, 512);
    assert.equal(crops.faces.length, 1, JSON.stringify(crops.faces.map((f) => f.bbox)));
    const [x1, y1, x2, y2] = crops.faces[0]!.bbox;
    // The face is in the upper middle of the picture (around x 180-265, y 75-175).
    assert.ok(x1 > 140 && x2 < 300 && y1 > 40 && y2 < 220, `face bbox ${crops.faces[0]!.bbox}`);
    const input = { faces: crops.faces.map((f) => f.jpegBase64) };
    assertSchema('emotion.input', input);
    const out = await worker.handle(input, noAbort());
    assertSchema('emotion.output', out);
    assert.equal(out.results.length, 1);
    const r = out.results[0]!;
    assert.equal(r.emotion, 'happy');
    assert.deepEqual(Object.keys(r.scores).sort(), [...EMOTIONS].sort());
    const total = Object.values(r.scores).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 0.01, `scores sum to ${total}`);
  });

  it('finds no face in a frame of distant pedestrians, and returns results in input order', async () => {
    const tmp = tempDir();
    try {
      const frame = vtestFrameJpeg(tmp.dir).toString('base64');
      const crops = await worker.cropFaces(frame);
      assert.equal(crops.faces.length, 0);
    } finally { tmp.cleanup(); }
    const face = (await worker.cropFaces(astronaut)).faces[0]!.jpegBase64;
    const out = await worker.handle({ faces: [face, astronaut, face] }, noAbort());
    assert.equal(out.results.length, 3);
    assert.deepEqual(out.results[0], out.results[2]);
  });

  it('rejects bad crops with a clear error naming the face', async () => {
    await assert.rejects(worker.handle({ faces: ['***'] }, noAbort()),
      (e: Error & { code?: string }) => e.code === 'E_BAD_INPUT' && /faces\[0\]: not valid base64/.test(e.message));
    await assert.rejects(worker.handle({ faces: [astronaut, Buffer.from('GIF89a fake').toString('base64')] }, noAbort()),
      (e: Error & { code?: string }) => e.code === 'E_BAD_IMAGE' && /faces\[1\]/.test(e.message));
    await assert.rejects(worker.handle({ nope: 1 }, noAbort()), /faces: expected a non-empty array/);
  });
});
