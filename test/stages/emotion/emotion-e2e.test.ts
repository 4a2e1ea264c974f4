/**
 * The emotion stage on real media: the local emulator (face-api expressions behind the `emotion` endpoint,
 * CenterNet behind `yolo`), the real Postgres schema, the stage registered as a plugin for the test.
 */
import assert from 'node:assert/strict';
import { analyzeSource, type AnalyzeSummary } from '../../../src/analyze/run-analysis';
import { generateClip } from '../../../src/media';
import { parseStages, stageModules, type StageServices } from '../../../src/stages';
import { emotionStage, type EmotionStats } from '../../../src/stages/emotion';
import type { VlmContentPart, VlmMessage } from '../../../src/runpod/contracts';
import type { EmotionsMsg, GraphTopic } from '../../../src/topics';
import { EMOTIONS } from '../../../src/local-models';
import { e2eEnv, rows, type E2eEnv } from '../../e2e/helpers';
import { ASTRONAUT_PNG, astronautWithSpeech } from '../../e2e/media';

interface EmotionDbRow { pts_us: string; face_idx: number; track_id: number | null; bbox: number[]; emotion: string; confidence: number; scores: Record<string, number> }

async function analyse(env: E2eEnv, input: string, streamId: string, stages: string, extra: { services?: StageServices; stageOptions?: Record<string, Record<string, unknown>>; fps?: number } = {}) {
  const emotions: EmotionsMsg[] = [];
  const rt = extra.services ? { ...env.rt, services: extra.services } : env.rt;
  const s = await analyzeSource(rt, {
    input, stages: parseStages(stages), fps: extra.fps ?? 5, streamId, stageOptions: extra.stageOptions,
    tap: (topic: GraphTopic, msg: unknown) => { if (topic === 'emotions') emotions.push(msg as EmotionsMsg); },
  });
  await env.store.flush();
  return { s, emotions, stats: (s.stages as Record<string, unknown>).emotion as EmotionStats };
}

const emotionRows = (env: E2eEnv, streamId: string) =>
  rows<EmotionDbRow>(env.store.pool, 'SELECT pts_us, face_idx, track_id, bbox, emotion, confidence, scores FROM emotions WHERE stream_id = $1 ORDER BY pts_us, face_idx', [streamId]);

function perMinute(s: AnalyzeSummary, calls: number, mediaS: number): string {
  return `${calls} emotion calls in ${mediaS} s of media = ${((calls * 60) / mediaS).toFixed(1)}/min (wall ${(s.wallMs / 1000).toFixed(1)} s)`;
}

describe('stages/emotion on real media (emulator, Postgres)', function () {
  this.timeout(300_000);
  let env: E2eEnv;
  before(async () => {
    assert.ok(stageModules().includes(emotionStage), 'emotion is a registered stage');
    env = await e2eEnv('stage_emotion_e2e');
  });
  after(async () => {
    await env?.close();
  });

  it('astronaut: the face inside the person box, with the person\'s track id, in rows and on the topic', async () => {
    const { s, emotions, stats } = await analyse(env, astronautWithSpeech(), 'emo-astronaut', 'detection,emotion');
    const got = await emotionRows(env, 'emo-astronaut');
    assert.ok(got.length >= 4, `${got.length} emotions rows in a 6 s clip (one look per second)`);
    const persons = await rows<{ pts_us: string; track_id: number | null; bbox: number[] }>(env.store.pool,
      `SELECT pts_us, track_id, bbox FROM detections WHERE stream_id = $1 AND class_name = 'person'`, ['emo-astronaut']);
    for (const r of got) {
      assert.ok((EMOTIONS as readonly string[]).includes(r.emotion), r.emotion);
      assert.ok(r.confidence > 0 && r.confidence <= 1 && r.scores[r.emotion] === r.confidence);
      const sum = Object.values(r.scores).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 0.02, `scores sum ${sum}`);
      const person = persons.find((p) => p.pts_us === r.pts_us && p.track_id === r.track_id);
      assert.ok(person && r.track_id !== null, `face at ${r.pts_us} has the track id of a person of that frame (${r.track_id})`);
      const [x1, y1, x2, y2] = r.bbox;
      const cx = (x1 + x2) / 2;
      const cy = (y1 + y2) / 2;
      assert.ok(cx >= person.bbox[0] && cx <= person.bbox[2] && cy >= person.bbox[1] && cy <= person.bbox[3], `face ${r.bbox} inside person ${person.bbox}`);
      assert.ok(cy < (person.bbox[1] + person.bbox[3]) / 2, 'the face is in the upper half of the person box');
      assert.ok(x2 - x1 > 10 && y2 - y1 > 10, `a face-sized box ${r.bbox}`);
    }
    // One message per paired frame, in pts order; the analysed ones carry exactly the rows.
    const ptsOrder = emotions.map((m) => m.ptsUs);
    assert.deepEqual(ptsOrder, [...ptsOrder].sort((a, b) => a - b));
    assert.equal(emotions.length, stats.framesPaired);
    const withFaces = emotions.filter((m) => m.faces.length);
    assert.deepEqual(withFaces.flatMap((m) => m.faces.map((f) => [m.ptsUs, f.trackId, f.emotion])), got.map((r) => [Number(r.pts_us), r.track_id, r.emotion]));
    assert.ok(withFaces.every((m) => m.model && /face-api/.test(m.model)), 'the model is named');
    assert.ok(emotions.filter((m) => !m.faces.length).every((m) => m.skipped === 'rate_bound' || m.skipped === 'no_person'), 'the frames between were passed over by the bound, not failed');
    const calls = await rows<{ n: string }>(env.store.pool, `SELECT count(*) AS n FROM endpoint_calls WHERE stream_id = $1 AND endpoint = 'emotion' AND ok`, ['emo-astronaut']);
    assert.equal(Number(calls[0].n), stats.calls);
    const skips = await rows(env.store.pool, `SELECT * FROM skips WHERE stream_id = $1 AND stage = 'emotion'`, ['emo-astronaut']);
    assert.equal(skips.length, 0);
    console.log(`      astronaut: ${got.length} faces (${got.map((r) => r.emotion).join(',')}); face finder ${stats.finderMsPerFrame} ms per looked-at frame (${stats.framesLookedAt} looked at of ${stats.framesPaired}); ${perMinute(s, stats.calls, 6)}`);
  });

  it('30 s still: at most one analysis per track per interval, and no gaps beyond it', async () => {
    const clip = await generateClip({ durationS: 30, width: 512, height: 512, fps: 5, audio: 'none', still: { path: ASTRONAUT_PNG, seconds: 30 } });
    const intervalMs = 2000;
    const { s, stats } = await analyse(env, clip, 'emo-long', 'detection,emotion', { fps: 2, stageOptions: { emotion: { trackIntervalMs: intervalMs } } });
    const got = await emotionRows(env, 'emo-long');
    const byTrack = new Map<number | null, number[]>();
    for (const r of got) byTrack.set(r.track_id, [...(byTrack.get(r.track_id) ?? []), Number(r.pts_us)]);
    let analyses = 0;
    for (const [track, pts] of byTrack) {
      analyses += pts.length;
      for (let i = 1; i < pts.length; i++) assert.ok(pts[i] - pts[i - 1] >= intervalMs * 1000, `track ${track}: looks ${pts[i - 1]} and ${pts[i]} closer than ${intervalMs} ms`);
      assert.ok(pts.length <= Math.ceil(30_000 / intervalMs) + 1, `track ${track}: ${pts.length} looks in 30 s`);
    }
    const main = [...byTrack.values()].sort((a, b) => b.length - a.length)[0] ?? [];
    assert.ok(main.length >= 30_000 / intervalMs - 2, `the astronaut's track was looked at ${main.length} times (the bound must not starve it)`);
    const calls = await rows<{ n: string; faces: string }>(env.store.pool, `SELECT count(*) AS n FROM endpoint_calls WHERE stream_id = $1 AND endpoint = 'emotion'`, ['emo-long']);
    assert.ok(Number(calls[0].n) <= analyses, 'faces of a group share a call');
    assert.equal(stats.facesAnalysed, analyses);
    assert.ok(stats.framesRateBound >= stats.framesPaired - analyses - 2, `${stats.framesRateBound} frames passed over by the bound`);
    console.log(`      30 s still: ${analyses} analyses on ${byTrack.size} track(s), ${stats.framesRateBound} frames rate-bound; ${perMinute(s, Number(calls[0].n), 30)}; face finder ${stats.finderMsPerFrame} ms per looked-at frame`);
  });

  it('the VLM prompt of a window names the dominant emotion of the person track in it', async () => {
    const prompts: string[] = [];
    const inf = env.rt.services.inference;
    const services: StageServices = {
      rows: env.rt.services.rows,
      inference: {
        detect: (i, o) => inf.detect(i, o), transcribe: (w, o) => inf.transcribe(w, o), emotions: (f, o) => inf.emotions(f, o), diarize: (w, o) => inf.diarize(w, o),
        describe: (req, o) => {
          const messages = (req as { messages: VlmMessage[] }).messages;
          prompts.push((messages[1].content as VlmContentPart[]).filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n'));
          return inf.describe(req, o);
        },
      },
    };
    await analyse(env, astronautWithSpeech(), 'emo-vlm', 'detection,emotion,vlm', { services });
    const got = await emotionRows(env, 'emo-vlm');
    assert.ok(got.length > 0 && prompts.length > 0, `${got.length} emotions rows, ${prompts.length} prompts`);
    const track = got[0].track_id;
    const counts = new Map<string, number>();
    for (const r of got) counts.set(r.emotion, (counts.get(r.emotion) ?? 0) + 1);
    const line = prompts.map((p) => new RegExp(`facial expression of track ${track}: (\\w+) \\((\\d+) of (\\d+) looks`).exec(p)).find(Boolean);
    assert.ok(line, `no emotion line in the prompts:\n${prompts.join('\n---\n')}`);
    assert.ok(counts.has(line[1]), `the named emotion ${line[1]} is one the stage stored (${[...counts.keys()]})`);
    assert.ok(Number(line[3]) >= 1 && Number(line[2]) <= Number(line[3]));
  });
});

describe('stages/emotion: endpoint failures become skips', function () {
  this.timeout(300_000);
  let env: E2eEnv;
  before(async () => {
    assert.ok(stageModules().includes(emotionStage), 'emotion is a registered stage');
    env = await e2eEnv('stage_emotion_faults', { env: { RUNPOD_RETRIES: '0', RUNPOD_RETRY_BASE_MS: '50', RUNPOD_BREAKER_FAILURES: '2', RUNPOD_BREAKER_HALF_OPEN_MS: '60000' } });
  });
  after(async () => {
    await env?.close();
  });

  it('every looked-at frame of a failing endpoint is a skip row with its reason and a skipped message; no emotions rows', async () => {
    env.inference.emulator.endpoint('emotion').setFaults({ http5xx: { rate: 1, status: 500 } });
    const { emotions, stats } = await analyse(env, astronautWithSpeech(), 'emo-faults', 'detection,emotion', { fps: 2, stageOptions: { emotion: { batchFrames: 1 } } });
    const skips = await rows<{ reason: string; pts_us: string }>(env.store.pool, `SELECT reason, pts_us FROM skips WHERE stream_id = $1 AND stage = 'emotion' ORDER BY pts_us`, ['emo-faults']);
    assert.equal((await emotionRows(env, 'emo-faults')).length, 0);
    assert.ok(skips.length >= 4, `${skips.length} skips`);
    assert.equal(skips.length, stats.framesLookedAt, 'one skip row per looked-at frame');
    const reasons = new Set(skips.map((k) => k.reason));
    assert.ok(reasons.has('endpoint_error') && reasons.has('breaker_open'), `reasons ${[...reasons]}`);
    const skippedMsgs = emotions.filter((m) => m.skipped === 'endpoint_error' || m.skipped === 'breaker_open');
    assert.deepEqual(skippedMsgs.map((m) => [m.ptsUs, m.skipped]), skips.map((k) => [Number(k.pts_us), k.reason]));
    const failed = await rows<{ n: string }>(env.store.pool, `SELECT count(*) AS n FROM endpoint_calls WHERE stream_id = $1 AND endpoint = 'emotion' AND NOT ok`, ['emo-faults']);
    assert.equal(Number(failed[0].n), stats.calls);
  });
});
