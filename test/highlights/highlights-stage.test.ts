import assert from 'node:assert/strict';
import { HighlightsStage, type HighlightsStageOptions } from '../../src/stages/highlights';
import { DEFAULT_SELECT, DEFAULT_WEIGHTS } from '../../src/highlights';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { parseStages } from '../../src/stages';
import { generateClip } from '../../src/media';
import { listHighlights } from '../../src/results';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsObjectStore } from '../../src/object-store';
import { listClips } from '../../src/clips';
import { discover } from '../../src/gst';
import type { HighlightRow } from '../../src/store';
import type { AudioMsg, FrameMsg, HighlightMsg, TopicInput, TopicMessages } from '../../src/topics';
import { e2eEnv, rows, type E2eEnv } from '../e2e/helpers';

const T0 = 1_700_000_000_000;

/** One second of 16 kHz mono S16LE noise at `amp` (seeded, so every run is the same). */
function pcmSecond(seed: number, amp: number): Buffer {
  const b = Buffer.alloc(32000);
  let s = seed >>> 0;
  for (let i = 0; i < 16000; i++) { s = (s * 1664525 + 1013904223) >>> 0; b.writeInt16LE(Math.round(((s / 2 ** 32) * 2 - 1) * amp * 32767), i * 2); }
  return b;
}

function harness(over: Partial<HighlightsStageOptions> = {}) {
  const written: HighlightRow[] = [];
  const published: HighlightMsg[] = [];
  const o: HighlightsStageOptions = {
    streamId: 'hl', rows: { writeHighlights: async (r) => { written.push(...r); } },
    publish: async <T extends keyof TopicMessages>(topic: T, msg: TopicMessages[T]) => { if (topic === 'highlights') published.push(msg as HighlightMsg); },
    weights: DEFAULT_WEIGHTS, select: { ...DEFAULT_SELECT, topN: 3 }, windowS: 60, lateS: 10, live: true,
    extractor: { keywords: ['wow'], crowdClasses: ['person'], calmEmotions: ['neutral'] }, ...over,
  };
  return { stage: new HighlightsStage(o), written, published, o };
}

/** `seconds` of media: one frame and one second of audio per second; loud at `loudAt`, a cut at `cutAt`. */
function inputs(seconds: number, loudAt: number[], cutAt: number[], from = 0): TopicInput[] {
  const out: TopicInput[] = [];
  for (let t = from; t < seconds; t++) {
    const ptsUs = t * 1e6;
    const frame: FrameMsg = { streamId: 'hl', ptsUs, ts: T0 + t * 1000, width: 64, height: 48, jpeg: Buffer.alloc(1), sceneScore: cutAt.includes(t) ? 0.6 : 0.01 + (t % 3) * 0.003 };
    const audio: AudioMsg = { streamId: 'hl', ptsUs, ts: T0 + t * 1000, pcm: pcmSecond(t + 1, loudAt.includes(t) ? 0.6 : 0.03) };
    out.push({ topic: 'frames', msg: frame }, { topic: 'audio', msg: audio });
  }
  return out;
}

describe('highlights stage', () => {
  it('a loud second and a scene cut each become a highlight, with the signal that chose it', async () => {
    const h = harness({ live: false });
    for (const i of inputs(50, [12], [33])) await h.stage.handle(i);
    await h.stage.finish();
    const peaks = h.written.map((r) => Math.floor(r.peakUs! / 1e6));
    assert.deepEqual(peaks, [12, 33], `peaks ${peaks}`);
    assert.ok((h.written[0]!.contributions!.arousal ?? 0) > 0 && !h.written[0]!.contributions!.scene, 'the loud one is arousal');
    assert.ok((h.written[1]!.contributions!.scene ?? 0) > 0 && !h.written[1]!.contributions!.arousal, 'the cut is a scene change');
    for (const r of h.written) {
      const sum = Object.values(r.contributions!).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - r.score) < 1e-3, `contributions ${sum} sum to the score ${r.score}`);
      assert.ok(r.startUs <= r.peakUs! && r.peakUs! <= r.endUs && r.ts === T0 + r.startUs / 1000);
    }
    assert.match(h.written[0]!.title ?? '', /loud/);
    assert.equal(h.published.length, 2);
    assert.deepEqual(h.published.map((m) => m.rank).sort(), [1, 2]);
  });

  it('live: a window closes only once inputs are lateS past its end; later signals for it are counted late', async () => {
    const h = harness({ windowS: 30, lateS: 10 });
    for (const i of inputs(39, [12], [])) await h.stage.handle(i);
    assert.equal(h.written.length, 0, 'window [0, 30) still open at 38 s');
    for (const i of inputs(41, [], [], 39)) await h.stage.handle(i);
    assert.deepEqual(h.written.map((r) => Math.floor(r.peakUs! / 1e6)), [12], 'closed at 40 s');
    await h.stage.handle({ topic: 'frames', msg: { streamId: 'hl', ptsUs: 20e6, ts: T0 + 20_000, width: 64, height: 48, jpeg: Buffer.alloc(1), sceneScore: 0.9 } });
    assert.equal(h.stage.getStats().lateInputs, 1);
    assert.equal(h.stage.getStats().windowsClosed, 1);
  });

  it('top-N per window with a minimum gap, also across a window boundary', async () => {
    const h = harness({ live: false, windowS: 30, select: { ...DEFAULT_SELECT, topN: 2, minGapS: 10, minScore: 0.01 } });
    // Loud at 8, 11 (too close to 8), 22 in the first window; 31 (too close to 22) and 45 in the second.
    for (const i of inputs(60, [8, 11, 22, 31, 45], [])) await h.stage.handle(i);
    await h.stage.finish();
    const peaks = h.written.map((r) => Math.floor(r.peakUs! / 1e6));
    assert.equal(peaks.filter((p) => p < 30).length, 2, `two in [0,30): ${peaks}`);
    for (let i = 1; i < peaks.length; i++) assert.ok(peaks[i]! - peaks[i - 1]! >= 10, `gap between ${peaks[i - 1]} and ${peaks[i]}`);
    assert.ok(peaks.includes(45) && !peaks.includes(31), `second window keeps its distance from the first: ${peaks}`);
  });

  it('the handed-over state gives the same highlights as one uninterrupted stage', async () => {
    const all = inputs(70, [15, 52], [40]);
    const one = harness({ windowS: 30 });
    for (const i of all) await one.stage.handle(i);
    await one.stage.finish();
    const first = harness({ windowS: 30 });
    for (const i of all.slice(0, 90)) await first.stage.handle(i);
    const state = JSON.parse(JSON.stringify(first.stage.state()));
    const second = harness({ windowS: 30, state });
    for (const i of all.slice(90)) await second.stage.handle(i);
    await second.stage.finish();
    assert.deepEqual([...first.written, ...second.written], one.written);
  });

  it('keywords, new tracks and VLM scores are signals too', async () => {
    const h = harness({ live: false });
    for (const i of inputs(40, [], [])) await h.stage.handle(i);
    await h.stage.handle({ topic: 'transcripts', msg: { streamId: 'hl', ptsUs: 5e6, ts: T0 + 5000, startUs: 5e6, endUs: 7e6, text: 'oh wow', confidence: 0.9, isSilence: false, speakerId: null, prosody: null, words: [{ word: 'wow', startUs: 6.2e6, endUs: 6.6e6 }], model: 'm', skipped: null } });
    await h.stage.handle({ topic: 'events', msg: { streamId: 'hl', ptsUs: 25e6, ts: T0 + 25_000, startUs: 25e6, endUs: 27e6, triggerUs: 26e6, description: 'a dog jumps over the fence', tags: [], clipWorthyScore: 0.9, emotions: [], model: 'm' } });
    const person = (trackId: number, x: number) => ({ bbox: [x, 10, x + 10, 40] as [number, number, number, number], confidence: 0.9, classId: 0, className: 'person', trackId });
    for (let t = 0; t < 40; t++) await h.stage.handle({ topic: 'detections', msg: { streamId: 'hl', ptsUs: t * 1e6 + 1, ts: T0 + t * 1000, width: 64, height: 48, detections: t >= 37 ? [person(1, 20), person(7, 30)] : [person(1, 20)], skipped: null } });
    await h.stage.finish();
    const byPeak = new Map(h.written.map((r) => [Math.floor(r.peakUs! / 1e6), r]));
    assert.ok(byPeak.get(37)?.contributions?.new_track, `a new track at 37 s: ${[...byPeak.keys()]}`);
    assert.ok(byPeak.get(6)?.contributions?.keyword, `keyword at 6 s: ${[...byPeak.keys()]}`);
    assert.equal(byPeak.get(25)?.title, 'a dog jumps over the fence', 'the VLM description titles its highlight');
  });
});

describe('highlights on generated media (ingest → highlights stage → rows → API list)', function () {
  this.timeout(240_000);
  let env: E2eEnv;
  before(async () => { env = await e2eEnv('e2e_highlights'); });
  after(async () => { await env?.close(); });

  it('a planted loud moment and a planted scene cut each get a highlight covering them', async () => {
    const LOUD_S = 9;
    const CUT_S = 24;
    const file = await generateClip({ durationS: 36, width: 320, height: 180, fps: 10, audio: 'tone', pattern: 'ball', cutTo: { atS: CUT_S, pattern: 'smpte' }, loud: { atS: LOUD_S, seconds: 1.5 } });
    const clipDir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-hl-clips-'));
    const summary = await analyzeSource(env.rt, { input: file, stages: parseStages('highlights'), fps: 5, streamId: 'hl-planted', highlightClips: { store: new FsObjectStore(clipDir), top: 2 } });
    const got = await rows<{ start_us: string; end_us: string; peak_us: string; contributions: Record<string, number>; score: number }>(env.store.pool,
      'SELECT start_us, end_us, peak_us, contributions, score FROM highlights WHERE stream_id = $1 ORDER BY start_us', ['hl-planted']);
    const covers = (s: number) => got.find((h) => Number(h.start_us) <= s * 1e6 && Number(h.end_us) >= s * 1e6);
    const loud = covers(LOUD_S + 0.5);
    const cut = covers(CUT_S);
    assert.ok(loud && loud.contributions.arousal! > 0, `a highlight covers the loud moment: ${JSON.stringify(got)}`);
    assert.ok(cut && cut.contributions.scene! > 0, `a highlight covers the cut: ${JSON.stringify(got)}`);
    assert.ok(Math.abs(Number(loud.peak_us) / 1e6 - (LOUD_S + 0.5)) <= 1.5 && Math.abs(Number(cut.peak_us) / 1e6 - CUT_S) <= 1.5, 'peaks within 1.5 s of the planted times');
    console.log(`      planted 2 moments; found ${got.length} highlights, ${[loud, cut].filter(Boolean).length} covering a planted one`);
    const top = await listHighlights(env.store.pool, 'hl-planted', { limit: 100, top: 1 });
    assert.equal(top.items.length, 1);
    assert.equal(top.items[0]!.score, Math.max(...got.map((g) => g.score)));
    assert.ok(Object.keys(top.items[0]!.contributions).length >= 1 && top.items[0]!.peakS !== null);
    // Each of the two got its clip: a playable MP4 of the highlight's span, listed with the highlight.
    assert.equal(summary.clipFailures.length, 0, JSON.stringify(summary.clipFailures));
    const clips = await listClips(env.store.pool, 'hl-planted');
    assert.equal(clips.length, 2);
    for (const h of summary.highlights) {
      assert.ok(h.clipUri?.startsWith('file://'), `clip of ${h.startS}`);
      const info = await discover(h.clipUri!, 10_000);
      const durS = info.durationNs / 1e9;
      // A remux starts at the key frame at or before the start (the clip's key frames are 2 s apart).
      assert.ok(durS >= h.endS - h.startS - 0.5 && durS <= h.endS - h.startS + 2.5, `clip ${durS} s for a ${h.endS - h.startS} s highlight`);
    }
    fs.rmSync(clipDir, { recursive: true, force: true });
  });
});
