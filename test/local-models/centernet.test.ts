import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CenterNetDetector } from '../../src/local-models';
import { planLetterbox, unletterboxBox } from '../../src/local-models/centernet/letterbox';
import { ASTRONAUT_PNG, assertSchema, noAbort, requireFile, tempDir, vtestFrameJpeg } from './helpers/media';

describe('local-models/centernet (CenterNet on tfjs-wasm, sharp letterbox)', function () {
  this.timeout(120_000);
  const worker = new CenterNetDetector();
  const tmp = tempDir();
  let astronaut: string;
  let vtest: string;

  before(async () => {
    astronaut = readFileSync(requireFile(ASTRONAUT_PNG, 'python3-skimage')).toString('base64');
    vtest = vtestFrameJpeg(tmp.dir).toString('base64');
    await worker.init();
  });
  after(async () => { await worker.close(); tmp.cleanup(); });

  it('finds the astronaut (PNG) as a person with confidence >= 0.5, boxed inside the image', async () => {
    const input = { images: [astronaut], conf: 0.25, iou: 0.45, classes: null, max_det: 300 };
    assertSchema('yolo.input', input);
    const out = await worker.handle(input, noAbort());
    assertSchema('yolo.output', out);
    const r = out.results[0]!;
    assert.equal(r.width, 512);
    assert.equal(r.height, 512);
    const person = r.detections.find((d) => d.class === 0);
    assert.ok(person, `no person in ${JSON.stringify(r.detections)}`);
    assert.equal(person.class_name, 'person');
    assert.ok(person.confidence >= 0.5, `person confidence ${person.confidence}`);
    const [x1, y1, x2, y2] = person.bbox;
    assert.ok(x1 >= 0 && y1 >= 0 && x2 <= 512 && y2 <= 512 && x2 - x1 > 200 && y2 - y1 > 300, `bbox ${person.bbox}`);
    assert.ok(out.inference_ms > 0);
  });

  it('finds at least 2 pedestrians in a vtest.avi frame, and honours classes and max_det in one batch', async () => {
    const out = await worker.handle({ images: [vtest, vtest], classes: [0], max_det: 2 }, noAbort());
    assertSchema('yolo.output', out);
    assert.equal(out.results.length, 2);
    const all = await worker.handle({ images: [vtest] }, noAbort());
    const persons = all.results[0]!.detections.filter((d) => d.class === 0);
    assert.ok(persons.length >= 2, `persons: ${persons.length}`);
    assert.ok(all.results[0]!.detections.some((d) => d.class !== 0), 'the unfiltered frame also has other classes');
    for (const r of out.results) {
      assert.equal(r.detections.length, 2);
      assert.ok(r.detections.every((d) => d.class === 0));
      assert.ok(r.detections[0]!.confidence >= r.detections[1]!.confidence, 'sorted by confidence');
    }
  });

  it('letterbox: a frame is scaled to fit the square input and centred; boxes map back to clipped source pixels', () => {
    const plan = planLetterbox(1280, 720, 512, 0);
    assert.deepEqual(plan, { size: 512, width: 512, height: 288, padLeft: 0, padTop: 112 });
    assert.deepEqual(unletterboxBox([0, 112, 512, 400], plan, 1280, 720), [0, 0, 1280, 720]);
    assert.deepEqual(unletterboxBox([-5, 100, 256, 256], plan, 1280, 720), [0, 0, 640, 360], 'clipped to the image');
    const zoomed = planLetterbox(810, 1080, 512, 0.5);
    assert.deepEqual(zoomed, { size: 512, width: 256, height: 341, padLeft: 128, padTop: 85 });
    assert.deepEqual(unletterboxBox([128, 85, 384, 426], zoomed, 810, 1080), [0, 0, 810, 1080]);
  });

  it('applies conf as a threshold', async () => {
    const out = await worker.handle({ images: [vtest], conf: 0.5 }, noAbort());
    const r = out.results[0]!;
    assert.ok(r.detections.length >= 1);
    assert.ok(r.detections.every((d) => d.confidence >= 0.5));
  });

  it('rejects non-base64 and non-image input with a clear error naming the image', async () => {
    await assert.rejects(worker.handle({ images: [vtest, '%%% not base64 %%%'] }, noAbort()),
      (e: Error & { code?: string }) => e.code === 'E_BAD_INPUT' && /images\[1\]: not valid base64/.test(e.message));
    await assert.rejects(worker.handle({ images: [Buffer.from('just some text, no pixels').toString('base64')] }, noAbort()),
      (e: Error & { code?: string }) => e.code === 'E_BAD_IMAGE' && /images\[0\]: not a JPEG or PNG/.test(e.message));
    await assert.rejects(worker.handle({ images: [] }, noAbort()), /images: expected a non-empty array/);
    // The thread survives bad input.
    const ok = await worker.handle({ images: [astronaut] }, noAbort());
    assert.equal(ok.results.length, 1);
  });

  it('rejects a cancelled job with E_JOB_CANCELLED', async () => {
    const ac = new AbortController();
    const p = worker.handle({ images: [vtest, vtest, vtest] }, { jobId: 'c', signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(p, (e: Error & { code?: string }) => e.code === 'E_JOB_CANCELLED');
  });
});
