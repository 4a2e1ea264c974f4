import assert from 'node:assert/strict';
import { VideoAgentError } from '../../../src/errors';
import { EmotionStage, type EmotionStageOptions, type EmotionsPort } from '../../../src/stages/emotion/emotion-stage';
import { emotionStage } from '../../../src/stages/emotion';
import { assignFaces, headFinder } from '../../../src/stages/emotion/face-finder';
import { squareRect } from '../../../src/stages/emotion/face-crop';
import { FramePairing } from '../../../src/stages/emotion/pairing';
import { TrackBudget } from '../../../src/stages/emotion/track-budget';
import type { DetectedObject, DetectionsMsg } from '../../../src/topics';
import { MemoryPublisher, MemorySink, frame as plainFrame, solidJpeg } from '../fakes';

const jpeg = solidJpeg(320, 180, [120, 100, 90]);
const frame = (ptsUs: number) => ({ ...plainFrame('s', ptsUs, jpeg), width: 320, height: 180 });
const person = (trackId: number | null, x = 100): DetectedObject => ({ bbox: [x, 10, x + 60, 170], confidence: 0.9, classId: 0, className: 'person', trackId });
const dets = (ptsUs: number, detections: DetectedObject[], skipped: string | null = null): DetectionsMsg => ({ streamId: 's', ptsUs, ts: 1_700_000_000_000 + ptsUs / 1000, width: 320, height: 180, detections, skipped });

function emotionsPort(fail?: () => Error | null) {
  const calls: number[] = [];
  const port: EmotionsPort = {
    async emotions(faces) {
      calls.push(faces.length);
      const e = fail?.();
      if (e) throw e;
      return { output: { results: faces.map(() => ({ emotion: 'happy' as const, scores: { happy: 0.8, neutral: 0.2 } })), model: 'fake' }, model: 'fake' };
    },
  };
  return { port, calls };
}

function stage(o: Partial<EmotionStageOptions> & Pick<EmotionStageOptions, 'emotions'>, sink = new MemorySink(), pub = new MemoryPublisher()) {
  return new EmotionStage({
    streamId: 's', rows: sink, publish: pub.publish, finder: headFinder(), personClasses: ['person'], maxFacesPerFrame: 4, trackIntervalMs: 1000,
    sampleEveryMs: 0, crop: { margin: 0.2, size: 64 }, batchFrames: 8, maxBatchAgeMs: 50, queueCapacity: 32, pairBuffer: 16, overflow: 'block', ...o,
  });
}

describe('stages/emotion (unit)', () => {
  it('pairing: frames wait for their detections (either order), sampling passes frames over, older unpaired frames are released', () => {
    const p = new FramePairing(4, 200_000);
    assert.deepEqual(p.onFrame(frame(0)), []);
    assert.deepEqual(p.onFrame(frame(100_000)), [], 'closer than sampleUs: passed over');
    assert.deepEqual(p.onFrame(frame(200_000)), []);
    assert.deepEqual(p.onDetections(dets(100_000, [])), [], 'its frame was passed over');
    assert.equal(p.onDetections(dets(200_000, [])).length, 1);
    assert.equal(p.stats.framesUnpaired, 1, 'frame 0 never got detections before frame 200 ms did');
    assert.deepEqual(p.onDetections(dets(400_000, [])), [], 'detections ahead of their frame wait');
    const got = p.onFrame(frame(400_000));
    assert.equal(got[0].frame.ptsUs, 400_000);
    assert.deepEqual(p.onFrame(frame(300_000)), [], 'an older frame is a redelivery');
    assert.deepEqual({ ...p.stats }, { framesSampledOut: 1, framesUnpaired: 1, detectionsUnpaired: 1 });
  });

  it('track budget: one look per track per interval, at most N people per frame (largest first)', () => {
    const b = new TrackBudget(1_000_000, 2);
    const small: DetectedObject = { ...person(3), bbox: [0, 0, 10, 10] };
    assert.deepEqual(b.pick(0, [small, person(1), person(2, 200)]).map((p) => p.key), ['1', '2']);
    assert.deepEqual(b.pick(500_000, [small, person(1), person(2, 200)]).map((p) => p.key), ['3']);
    assert.deepEqual(b.pick(900_000, [small, person(1)]).map((p) => p.key), []);
    assert.deepEqual(b.pick(1_000_000, [small, person(1)]).map((p) => p.key), ['1']);
    assert.deepEqual(Object.keys(b.snapshot()).sort(), ['1', '2', '3']);
  });

  it('faces go to the tightest person box holding their centre; crops are square and inside the frame', () => {
    const big = person(1, 0);
    big.bbox = [0, 0, 300, 180];
    const inner = person(2, 100);
    const faces = [{ bbox: [110, 20, 150, 60] as [number, number, number, number], score: 0.9 }, { bbox: [250, 20, 280, 50] as [number, number, number, number], score: 0.8 }];
    const got = assignFaces(faces, [big, inner], [big, inner]);
    assert.deepEqual(got.map((f) => f?.bbox[0]), [250, 110]);
    for (const box of [[300, 150, 320, 180], [330, 190, 340, 200], [-20, -20, 10, 10]] as [number, number, number, number][]) {
      const r = squareRect(box, 0.2, 320, 180);
      assert.ok(r.left >= 0 && r.top >= 0 && r.left + r.width <= 320 && r.top + r.height <= 180 && r.width > 0 && r.height > 0, `${box} → ${JSON.stringify(r)}`);
    }
    const mid = squareRect([100, 50, 140, 110], 0.25, 320, 180);
    assert.deepEqual([mid.width, mid.height], [90, 90], 'square: the longer side (60) plus 25 % on each side');
  });

  it('rows and messages: looked-at frames analysed once per track interval, every paired frame has one message in pts order', async () => {
    const sink = new MemorySink();
    const pub = new MemoryPublisher();
    const { port, calls } = emotionsPort();
    const st = stage({ emotions: port }, sink, pub);
    // 3 s at 10 fps, one person (track 7); from 1 s a second person (track 8); frames 15..16 have no one; 20 was not detected.
    for (let i = 0; i < 30; i++) {
      const pts = i * 100_000;
      await st.onFrame(frame(pts));
      const people = i >= 15 && i <= 16 ? [] : i >= 10 ? [person(7), person(8, 200)] : [person(7)];
      await st.onDetections(dets(pts, people, i === 20 ? 'endpoint_error' : null));
    }
    await st.close();
    const msgs = pub.of('emotions');
    assert.equal(msgs.length, 30);
    assert.deepEqual(msgs.map((m) => m.ptsUs), [...msgs.map((m) => m.ptsUs)].sort((a, b) => a - b));
    const looked = msgs.filter((m) => m.faces.length);
    assert.deepEqual(looked.map((m) => [m.ptsUs / 1e5, m.faces.map((f) => f.trackId)]), [[0, [7]], [10, [7, 8]], [21, [7, 8]]]);
    assert.equal(msgs[15].skipped, 'no_person');
    assert.equal(msgs[20].skipped, 'no_detections');
    assert.equal(msgs[1].skipped, 'rate_bound');
    assert.equal(sink.emotions.length, 5);
    assert.ok(sink.emotions.every((r) => r.emotion === 'happy' && r.confidence === 0.8 && r.bbox && r.scores?.happy === 0.8));
    assert.equal(sink.skips.length, 0, 'nothing failed: no skip rows');
    assert.equal(calls.reduce((a, b) => a + b, 0), 5);
    assert.equal(sink.calls.length, calls.length);
    const stats = st.getStats();
    assert.equal(stats.framesRateBound, 24);
    assert.equal(stats.facesAnalysed, 5);
  });

  it('a failed call skips its frames with the reason from the error kind; later frames are analysed again', async () => {
    const sink = new MemorySink();
    const pub = new MemoryPublisher();
    let failing = true;
    const { port } = emotionsPort(() => (failing ? new VideoAgentError('E_BREAKER_OPEN', 'emotion breaker open', { kind: 'breaker_open' }) : null));
    const st = stage({ emotions: port, batchFrames: 1 }, sink, pub);
    for (let i = 0; i < 25; i++) {
      if (i === 15) failing = false;
      // Each frame's outcome is settled before the endpoint's health changes.
      await st.pushBatchAndWait([{ frame: frame(i * 100_000) }, { detections: dets(i * 100_000, [person(1)]) }]);
    }
    await st.close();
    assert.deepEqual(sink.skips.map((k) => [k.stage, k.reason, k.ptsUs]), [['emotion', 'breaker_open', 0], ['emotion', 'breaker_open', 1_000_000]]);
    assert.deepEqual(pub.of('emotions').filter((m) => m.skipped === 'breaker_open').map((m) => m.ptsUs), [0, 1_000_000]);
    assert.deepEqual(sink.emotions.map((r) => r.ptsUs), [2_000_000]);
    assert.deepEqual(sink.calls.map((c) => c.ok), [false, false, true]);
  });

  it('hand-over: a waiting frame and the track bookings survive in the state', async () => {
    const { port, calls } = emotionsPort();
    const a = stage({ emotions: port });
    await a.pushBatchAndWait([{ frame: frame(0) }, { detections: dets(0, [person(4)]) }, { frame: frame(100_000) }]);
    const s = JSON.parse(emotionStage.state!.encode(a.state()));
    const restored = emotionStage.state!.decode(JSON.stringify(s));
    assert.ok(restored);
    assert.equal(restored.pairing.frames.length, 1);
    const pub = new MemoryPublisher();
    const b = stage({ emotions: port, state: restored }, new MemorySink(), pub);
    await b.pushBatchAndWait([{ detections: dets(100_000, [person(4)]) }, { frame: frame(0) }, { detections: dets(0, [person(4)]) }]);
    await b.close();
    assert.deepEqual(pub.of('emotions').map((m) => [m.ptsUs, m.skipped]), [[100_000, 'rate_bound']], 'track 4 was booked at 0 by the previous holder; the redelivered frame 0 is not redone');
    assert.equal(calls.length, 1);
    assert.equal(emotionStage.state!.decode('{"v":2}'), null);
  });

  it('files: a frame waits while the pairing buffer is full, until detections free a slot', async () => {
    const { port } = emotionsPort();
    const pub = new MemoryPublisher();
    const st = stage({ emotions: port, pairBuffer: 2, waitForDetections: true }, new MemorySink(), pub);
    await st.onFrame(frame(0));
    await st.onFrame(frame(100_000));
    let third = false;
    const p = st.onFrame(frame(200_000)).then(() => { third = true; });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(third, false, 'held: two frames already wait for their detections');
    await st.onDetections(dets(0, [person(1)]));
    await p;
    for (const pts of [100_000, 200_000]) await st.onDetections(dets(pts, [person(1)]));
    await st.close();
    assert.deepEqual(pub.of('emotions').map((m) => m.ptsUs), [0, 100_000, 200_000], 'no frame evicted');
    assert.equal(st.getStats().framesUnpaired, 0);
  });

  it('settings are validated with the stage name', () => {
    assert.throws(() => emotionStage.create({ streamId: 's', live: false, services: {} as never, publish: async () => {}, upstream: new Set(), options: { trackIntervalMs: 5 }, state: null }), /stages\.emotion\.trackIntervalMs/);
  });
});
