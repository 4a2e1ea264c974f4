import assert from 'node:assert/strict';
import { VlmStage, type VlmStageOptions } from '../../src/stages/vlm/vlm-stage';
import { vlmStage } from '../../src/stages/vlm';
import { frameSignature, sceneDistance } from '../../src/stages/vlm/scene';
import { TriggerPolicy } from '../../src/stages/vlm/triggers';
import { parseVlmReply, type VlmContentPart, type VlmMessage } from '../../src/runpod/contracts';
import { loadPromptTemplates, renderTemplate } from '../../src/stages/vlm/prompt';
import type { DescribePort } from '../../src/runpod/inference';
import { SceneScorer } from '../../src/analyze/scene-scorer';
import { MemoryPublisher, MemorySink, frame as plainFrame, solidJpeg } from './fakes';
import type { FrameMsg } from '../../src/topics';

/** What the stage asked: the user text and the images of one describe call. */
interface Asked { user: string; images: string[] }

const GOOD = JSON.stringify({ description: 'A scene changes colour.', clip_worthy_score: 0.7, tags: ['Cut', 'colour'] });

function describer(replies: (string | Error)[]) {
  const requests: Asked[] = [];
  const port: DescribePort = {
    async describe(req) {
      const messages = (req as { messages: VlmMessage[] }).messages;
      const parts = messages[1].content as VlmContentPart[];
      requests.push({
        user: parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n'),
        images: parts.filter((p) => p.type === 'image_url').map((p) => (p as { image_url: { url: string } }).image_url.url),
      });
      const r = replies[Math.min(requests.length - 1, replies.length - 1)];
      if (r instanceof Error) throw r;
      return { content: r, reply: parseVlmReply(r), model: 'fake-vlm' };
    },
  };
  return { port, requests };
}

/** Frames as ingest publishes them: each carries the scene score ingest computed (every 500 ms of media). */
function scoredFrames() {
  const scorer = new SceneScorer(500);
  return async (streamId: string, ptsUs: number, jpeg: Buffer): Promise<FrameMsg> => plainFrame(streamId, ptsUs, jpeg, await scorer.score(ptsUs, jpeg));
}

function vlm(o: Partial<VlmStageOptions> & Pick<VlmStageOptions, 'describe'>, sink = new MemorySink(), publisher = new MemoryPublisher()) {
  return new VlmStage({ streamId: 's', rows: sink, publish: publisher.publish, ...o });
}

describe('stages/vlm', () => {
  const red = solidJpeg(64, 36, [200, 30, 30]);
  const red2 = solidJpeg(64, 36, [205, 32, 28]);
  const blue = solidJpeg(64, 36, [20, 40, 210]);
  const swapped = solidJpeg(64, 36, [0, 0, 0], [255, 255, 255]);
  const swapped2 = solidJpeg(64, 36, [255, 255, 255], [0, 0, 0]);

  it('scene distance: near 0 for the same content, large for a cut, and catches a layout swap with equal histograms', async () => {
    assert.ok(sceneDistance(await frameSignature(red), await frameSignature(red2)) < 0.1);
    assert.ok(sceneDistance(await frameSignature(red), await frameSignature(blue)) > 0.5);
    assert.ok(sceneDistance(await frameSignature(swapped), await frameSignature(swapped2)) > 0.5);
  });

  it('trigger policy: keywords, new tracks once, prosody peaks after a baseline, periodic floor, min gap', () => {
    const p = new TriggerPolicy({ keywords: ['goal'], periodicS: 10, minGapS: 4, prosodyPeakDb: 8 });
    assert.deepEqual(p.onTranscript(1e6, 'what a GOAL that was', null).map((t) => t.kind), ['keyword']);
    assert.deepEqual(p.onTranscript(1e6, 'goalkeeper', null), []);
    assert.deepEqual(p.onTracks(2e6, [1, 2]).map((t) => t.detail), ['new tracks 1,2']);
    assert.deepEqual(p.onTracks(3e6, [1, 2]), []);
    for (const db of [-30, -31, -29]) assert.deepEqual(p.onTranscript(4e6, 'x', db), []);
    assert.deepEqual(p.onTranscript(5e6, 'x', -15).map((t) => t.kind), ['prosody_peak']);
    assert.deepEqual(p.onSceneDistance(0, 0).map((t) => t.detail), ['stream start']);
    assert.deepEqual(p.onSceneDistance(1e6, 0), []);
    assert.deepEqual(p.onSceneDistance(10e6, 0).map((t) => t.kind), ['periodic']);
    p.noteCall(10e6);
    assert.equal(p.allows(12e6), false);
    assert.equal(p.allows(14e6), true);
    assert.deepEqual(p.onSceneDistance(15e6, 0), []);
  });

  it('reply parsing: fenced JSON accepted and normalised; prose, bad JSON and schema violations rejected', () => {
    const ok = parseVlmReply('Sure!\n```json\n' + GOOD + '\n```');
    assert.ok(ok.ok && ok.reply.tags.includes('cut'));
    const a = parseVlmReply('I cannot describe this.');
    assert.ok(!a.ok && /no JSON/.test(a.error));
    const b = parseVlmReply('{"description": "x", "clip_worthy_score": }');
    assert.ok(!b.ok && /not valid JSON/.test(b.error));
    const c = parseVlmReply('{"description": "x", "clip_worthy_score": 3, "tags": []}');
    assert.ok(!c.ok && /clip_worthy_score/.test(c.error));
  });

  it('prompt templates come from prompts/*.md and every placeholder must be filled', () => {
    const t = loadPromptTemplates();
    assert.match(t.system, /clip_worthy_score/);
    assert.throws(() => renderTemplate(t.user, {}), /placeholder/);
  });

  it('a scene cut triggers one call whose window contains the cut; the event is stored and published', async () => {
    const sink = new MemorySink();
    const publisher = new MemoryPublisher();
    const { port, requests } = describer([GOOD]);
    const stage = vlm({ describe: port, triggers: { periodicS: 1000 }, sampleEveryMs: 250 }, sink, publisher);
    const frame = scoredFrames();
    // 10 s at 4 fps: red until 4 s, blue after.
    for (let i = 0; i < 40; i++) {
      await stage.onFrame(await frame('s', i * 250_000, i < 16 ? red : blue));
      // Detections and transcripts lag the frames they describe (less than contextLagS).
      if (i === 20) await stage.onDetections(detections(4.25e6, [{ className: 'person', trackId: 7 }]));
      if (i === 24) await stage.onTranscript(transcript(3.5e6, 4.5e6, 'now it turns blue'));
    }
    assert.equal(requests.length, 2, 'the opening and the cut are described before the end of the stream');
    await stage.flush();
    assert.equal(requests.length, 2, 'one call for one cut (the new-track trigger is merged into it)');
    const cut = requests[1];
    assert.match(requests[0].user, /stream start/);
    assert.ok(cut.images.length >= 2 && cut.images.length <= 4);
    assert.ok(cut.images.every((u) => u.startsWith('data:image/jpeg;base64,')));
    assert.match(cut.user, /scene change at 4\.0s/);
    assert.match(cut.user, /person: up to 1 per frame, tracks 7/);
    assert.match(cut.user, /now it turns blue/);
    assert.equal(sink.events.length, 2);
    const e = sink.events[1];
    assert.ok(e.startUs <= 4e6 && e.endUs >= 4e6, `span ${e.startUs}-${e.endUs}`);
    assert.ok(e.endUs - e.startUs <= 6e6);
    assert.equal(e.clipWorthyScore, 0.7);
    assert.equal(e.model, 'fake-vlm');
    assert.ok(e.tags?.includes('trigger:scene_change'));
    assert.equal(publisher.of('events').length, 2);
  });

  it('a static scene gets only the periodic floor, never a call per frame', async () => {
    const sink = new MemorySink();
    const { port, requests } = describer([GOOD]);
    const stage = vlm({ describe: port, triggers: { periodicS: 10 } }, sink);
    const frame = scoredFrames();
    for (let i = 0; i < 100; i++) await stage.onFrame(await frame('s', i * 250_000, red)); // 25 s
    await stage.flush();
    assert.equal(requests.length, 3, 'the opening, then the periodic floor at 10 s and 20 s');
    assert.equal(sink.events.length, 3);
  });

  it('an invalid reply is retried once, then recorded as a failed call and a skip, not an event', async () => {
    const sink = new MemorySink();
    const { port, requests } = describer(['not json at all', '{"description": ""}']);
    const stage = vlm({ describe: port, triggers: { periodicS: 1000 } }, sink);
    const frame = scoredFrames();
    for (let i = 0; i < 30; i++) await stage.onFrame(await frame('s', i * 250_000, i < 8 ? red : blue));
    await stage.flush();
    // The cut at 2 s is closer than minGapS to the opening: one window, tried twice.
    assert.equal(requests.length, 2);
    assert.match(requests[0].user, /stream start.*scene change at 2\.0s/);
    assert.equal(sink.events.length, 0);
    assert.deepEqual(sink.calls.map((c) => c.ok), [false, false]);
    assert.deepEqual(sink.skips.map((s) => [s.stage, s.reason]), [['vlm', 'invalid_reply']]);
  });

  it('an invalid reply followed by a valid one yields the event', async () => {
    const sink = new MemorySink();
    const { port } = describer(['{oops', GOOD]);
    const stage = vlm({ describe: port, triggers: { periodicS: 1000 } }, sink);
    const frame = scoredFrames();
    for (let i = 0; i < 12; i++) await stage.onFrame(await frame('s', i * 250_000, red));
    await stage.flush();
    assert.equal(sink.events.length, 1);
    assert.deepEqual(sink.calls.map((c) => c.ok), [false, true]);
  });

  it('a trigger arriving late (detections lag the frames) joins the waiting window it falls in: no window is described twice', async () => {
    const sink = new MemorySink();
    const { port, requests } = describer([GOOD]);
    const stage = vlm({ describe: port, awaitContext: ['detections'], triggers: { periodicS: 1000 } }, sink);
    const frame = scoredFrames();
    // Frames run ahead: 0-8 s with a cut at 5 s, before any detection outcome is in.
    for (let i = 0; i < 32; i++) await stage.onFrame(await frame('s', i * 250_000, i < 20 ? red : blue));
    assert.equal(requests.length, 0, 'waiting for detections');
    // Now the outcomes, in pts order: a new track at 0.5 s belongs to the opening window.
    for (let i = 0; i < 32; i++) await stage.onDetections(detections(i * 250_000, i >= 2 ? [{ className: 'person', trackId: 1 }] : []));
    await stage.flush();
    assert.equal(requests.length, 2, 'the opening (with the new track merged in) and the cut');
    assert.match(requests[0].user, /periodic at 0.0s \(stream start\); new track at 0.5s/);
    const spans = sink.events.map((e) => `${e.startUs}-${e.endUs}`);
    assert.equal(new Set(spans).size, spans.length, `distinct spans: ${spans.join(', ')}`);
  });

  it('hand-over: a stage restored from the saved state describes the same windows as one that never stopped', async () => {
    const frames: FrameMsg[] = [];
    const score = scoredFrames();
    for (let i = 0; i < 80; i++) frames.push(await score('s', i * 250_000, i < 20 || (i >= 44 && i < 60) ? red : blue)); // cuts at 5 s, 11 s, 15 s
    const run = async (parts: FrameMsg[][]) => {
      const sink = new MemorySink();
      const { port, requests } = describer([GOOD]);
      let state: string | null = null;
      for (const [i, part] of parts.entries()) {
        const decoded = state === null ? null : vlmStage.state!.decode(state);
        if (state !== null) assert.ok(decoded, 'the saved state decodes');
        const stage = vlm({ describe: port, triggers: { periodicS: 1000 }, state: decoded }, sink);
        for (const f of part) await stage.onFrame(f);
        await stage.idle();
        if (i === parts.length - 1) await stage.flush();
        state = vlmStage.state!.encode(stage.state());
      }
      return { spans: sink.events.map((e) => `${e.startUs}-${e.endUs}`), requests };
    };
    const whole = await run([frames]);
    // Cut just after the second cut's trigger; the new holder is redelivered the last 6 frames.
    const split = await run([frames.slice(0, 46), frames.slice(40)]);
    assert.deepEqual(split.spans, whole.spans);
    assert.equal(split.requests.length, whole.requests.length);
    assert.ok(whole.spans.length >= 3, `${whole.spans.length} events`);
    // Images of a window that straddles the hand-over come from the saved state.
    assert.deepEqual(split.requests.map((r) => r.images.length), whole.requests.map((r) => r.images.length));
  });

  it('waits for the detection / transcript watermarks before describing a window, up to a media-time limit', async () => {
    const sink = new MemorySink();
    const { port, requests } = describer([GOOD]);
    const stage = vlm({ describe: port, awaitContext: ['detections', 'transcripts'], contextLagS: 0.5, triggers: { periodicS: 1000 } }, sink);
    const frame = scoredFrames();
    for (let i = 0; i < 20; i++) await stage.onFrame(await frame('s', i * 250_000, red)); // opening window ends at 2 s
    assert.equal(requests.length, 0, 'detections and transcripts for 0-2 s are not in yet');
    // Progress comes from the messages themselves, skipped outcomes included.
    await stage.onDetections({ ...detections(2.5e6, []), skipped: 'endpoint_error' });
    await stage.onFrame(await frame('s', 5e6, red));
    assert.equal(requests.length, 0, 'transcripts still missing');
    await stage.onTranscript({ ...transcript(0, 5e6, ''), isSilence: true });
    await stage.onFrame(await frame('s', 5.25e6, red));
    assert.equal(requests.length, 1);
    // A source that never reports (no audio track) delays a window by at most 20 s of media time.
    const { port: p2, requests: r2 } = describer([GOOD]);
    const mute = vlm({ describe: p2, awaitContext: ['transcripts'], triggers: { periodicS: 1000 } }, sink);
    const frame2 = scoredFrames();
    for (let i = 0; i < 88; i++) await mute.onFrame(await frame2('s', i * 250_000, red));
    assert.equal(r2.length, 0);
    await mute.onFrame(await frame2('s', 22e6, red)); // the opening window ends at 2 s: 2 s + 20 s
    assert.equal(r2.length, 1);
    assert.equal(mute.getStats().contextTimeouts, 1, 'counted as described without all its context');
  });

  it('a live stream waits for late context only maxContextWaitS: the window goes out with what is in', async () => {
    const sink = new MemorySink();
    const { port, requests } = describer([GOOD]);
    // The audio window covering 0-2 s closes at 5 s: on a live source the event should not wait for it.
    const stage = vlm({ describe: port, awaitContext: ['detections', 'transcripts'], contextLagS: 0.5, maxContextWaitS: 1, triggers: { periodicS: 1000 } }, sink);
    const frame = scoredFrames();
    for (let i = 0; i <= 11; i++) {
      const pts = i * 250_000;
      await stage.onFrame(await frame('s', pts, red));
      await stage.onDetections(detections(pts, []));
    }
    assert.equal(requests.length, 0, 'at 2.75 s: the window (ends at 2 s) still waits for its transcript');
    await stage.onFrame(await frame('s', 3e6, red));
    assert.equal(requests.length, 1, 'at 3 s (window end + 1 s) it is described without it');
    assert.equal(stage.getStats().contextTimeouts, 1);
    // The transcript arriving later is still context for later windows, and no second call is made for this one.
    await stage.onTranscript(transcript(0, 5e6, 'hello there'));
    await stage.onFrame(await frame('s', 6e6, red));
    assert.equal(requests.length, 1);
  });
});

function detections(ptsUs: number, dets: { className: string; trackId: number | null }[]) {
  return {
    streamId: 's', ptsUs, ts: 0, width: 64, height: 36, skipped: null,
    detections: dets.map((d) => ({ bbox: [0, 0, 10, 10] as [number, number, number, number], confidence: 0.9, classId: 0, ...d })),
  };
}

function transcript(startUs: number, endUs: number, text: string) {
  return { streamId: 's', ptsUs: startUs, ts: 0, startUs, endUs, text, confidence: null, isSilence: false, speakerId: null, prosody: null, words: [], model: 'fake', skipped: null };
}
