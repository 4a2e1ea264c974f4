/**
 * Drill: a live RTSP stream analysed while the emulator's endpoints misbehave in phases — 5xx, 429 bursts,
 * FAILED and TIMED_OUT jobs, jobs stuck IN_QUEUE, a 30 s cold start, every call failing until the breaker
 * opens, then healthy again so it closes. Ingestion never stalls, and every sampled frame ends either
 * analysed or as a skip row with its reason.
 */
import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { generateClip } from '../../src/media';
import { parseStages } from '../../src/stages';
import { e2eEnv, rows, type E2eEnv } from '../e2e/helpers';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';
import { reportDrill } from './report';

const STUB = { backend: 'stub' as const, stub: { baseMs: 20, perItemMs: 2 } };

describe('drill: endpoint faults under a live stream', function () {
  this.timeout(180_000);
  let env: E2eEnv;
  let server: RtspServer | undefined;
  before(async () => {
    env = await e2eEnv('drill_endpoint_faults', {
      emulator: { endpoints: { yolo: { ...STUB, model: 'yolo', maxWorkers: 4 }, whisper: { ...STUB, model: 'whisper' } } },
      // Short deadlines and a quick breaker so each phase shows within seconds.
      env: { RUNPOD_CALL_TIMEOUT_MS: '3000', RUNPOD_RETRIES: '1', RUNPOD_RETRY_BASE_MS: '100', RUNPOD_BREAKER_FAILURES: '3', RUNPOD_BREAKER_HALF_OPEN_MS: '1500' },
    });
    const clip = await generateClip({ durationS: 40, width: 320, height: 180, fps: 10, audio: 'tone', pattern: 'ball', keyframeIntervalS: 1 });
    server = await startRtspServer({ file: clip, audio: true });
  });
  after(async () => {
    await server?.kill();
    await env?.close();
  });

  it('phases of faults: ingestion keeps its rate; every frame is analysed or a recorded skip; the breaker closes again', async () => {
    const yolo = env.inference.emulator.endpoint('yolo');
    const whisper = env.inference.emulator.endpoint('whisper');
    const phases: [number, () => void, string][] = [
      [3000, () => { yolo.setFaults({ http5xx: { rate: 0.3, status: 503 }, http429: { count: 3, retryAfterS: 0.2 }, failed: { rate: 0.2, form: 'json' } }); whisper.setFaults({ failed: { rate: 0.5, form: 'string' } }); }, 'errors'],
      [7000, () => { yolo.setFaults({ stuckInQueue: { count: 2 }, coldStart: { rate: 1, ms: 30_000 } }); whisper.setFaults({ timedOut: { rate: 1 } }); }, 'stuck + 30 s cold start'],
      [11_000, () => { yolo.setFaults({ http5xx: { rate: 1, status: 500 } }); whisper.setFaults({}); }, 'all failing (breaker opens)'],
      [15_000, () => { yolo.setFaults({}); }, 'healthy (breaker closes)'],
    ];
    const timers = phases.map(([at, f]) => setTimeout(f, at));
    const t0 = Date.now();
    const s = await analyzeSource(env.rt, {
      input: server!.url, stages: parseStages('detection,audio'), fps: 5, streamId: 'drill-faults', maxDurationS: 22,
      // audio.vad off: the tone must reach the faulty ASR.
      stageOptions: { detection: { batchSize: 4, queueCapacity: 16 }, audio: { vad: false } },
    }).finally(() => timers.forEach(clearTimeout));
    const wallS = (Date.now() - t0) / 1000;
    await env.store.flush();

    assert.ok(s.ingest.frames >= 0.9 * 5 * 22, `ingestion kept its rate: ${s.ingest.frames} frames in 22 s at 5 fps`);
    const q = (sql: string) => rows<{ n: string }>(env.store.pool, sql, ['drill-faults']).then((r) => Number(r[0].n));
    const frames = await q(`SELECT count(*) AS n FROM frames WHERE stream_id = $1`);
    const unaccounted = await q(`SELECT count(*) AS n FROM frames f WHERE f.stream_id = $1
      AND NOT EXISTS (SELECT 1 FROM detections d WHERE d.stream_id = f.stream_id AND d.pts_us = f.pts_us)
      AND NOT EXISTS (SELECT 1 FROM skips k WHERE k.stream_id = f.stream_id AND k.stage = 'detection' AND k.pts_us = f.pts_us)`);
    assert.equal(frames, s.ingest.frames, 'one frames row per ingested frame');
    assert.equal(unaccounted, 0, 'every frame has detections or a detection skip row');
    const reasons = await rows<{ reason: string; n: string }>(env.store.pool, `SELECT reason, count(*) AS n FROM skips WHERE stream_id = $1 AND stage = 'detection' GROUP BY reason ORDER BY reason`, ['drill-faults']);
    const byReason = Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)]));
    assert.ok((byReason.endpoint_error ?? 0) > 0, `endpoint errors recorded: ${JSON.stringify(byReason)}`);
    assert.ok((byReason.breaker_open ?? 0) > 0, `breaker-open skips recorded: ${JSON.stringify(byReason)}`);
    // After the last phase the breaker closed and frames were detected again.
    const lateDetected = await q(`SELECT count(DISTINCT pts_us) AS n FROM detections WHERE stream_id = $1 AND pts_us > 17000000`);
    assert.ok(lateDetected > 0, 'detections resumed after the endpoint recovered');
    const audioSkips = await q(`SELECT count(*) AS n FROM skips WHERE stream_id = $1 AND stage = 'audio'`);
    const firstLate = await q(`SELECT coalesce(min(pts_us), 0) AS n FROM detections WHERE stream_id = $1 AND pts_us > 15000000`);
    reportDrill({
      fault: 'endpoint faults (5xx, 429, FAILED, TIMED_OUT, stuck, 30 s cold start, breaker)', durationS: 12, framesIn: s.ingest.frames,
      rowsExpected: frames, rowsStored: frames - unaccounted, lost: unaccounted, duplicated: 0,
      recoveryMs: firstLate ? Math.round((firstLate - 15e6) / 1000) : null, note: `skips ${JSON.stringify(byReason)}`,
    });
    console.log(`      ${s.ingest.frames} frames in ${wallS.toFixed(1)} s (lag ${s.ingest.lagMs ?? '-'} ms); detection skips ${JSON.stringify(byReason)}; audio skips ${audioSkips}; detected after recovery ${lateDetected}`);
  });
});
