import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { parseStages } from '../../src/stages';
import { generateClip } from '../../src/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';
import { e2eEnv, rows, type E2eEnv } from './helpers';

describe('e2e: degradation — a failing detection endpoint on a live RTSP stream', function () {
  this.timeout(180_000);
  let env: E2eEnv;
  let server: RtspServer | undefined;
  before(async () => {
    // Every yolo request answers HTTP 500; the client retries once, then the breaker opens.
    env = await e2eEnv('e2e_degrade', {
      emulator: { endpoints: { yolo: { backend: 'stub', model: 'yolo', faults: { http5xx: { rate: 1 } } } } },
      env: { RUNPOD_RETRIES: '1', RUNPOD_RETRY_BASE_MS: '300', RUNPOD_BREAKER_FAILURES: '3' },
    });
    const clip = await generateClip({ durationS: 30, width: 320, height: 180, fps: 10, audio: 'none', pattern: 'ball', keyframeIntervalS: 1 });
    server = await startRtspServer({ file: clip });
  });
  after(async () => {
    await server?.kill();
    await env?.close();
  });

  it('ingestion keeps going, every skipped frame is recorded with its reason, queues stay bounded', async () => {
    const capacity = 6;
    const s = await analyzeSource(env.rt, {
      input: server!.url, stages: parseStages('detection'), fps: 5, streamId: 'e2e-degrade', maxDurationS: 8,
      stageOptions: { detection: { queueCapacity: capacity, batchSize: 4 } },
    });
    const d = s.stages.detection!;
    assert.ok(s.live);
    assert.ok(s.ingest.frames >= 25, `only ${s.ingest.frames} frames ingested in 8 s at 5 fps`);
    assert.equal(d.framesDetected, 0);
    assert.equal(d.framesSkipped, d.framesIn, 'every frame is either detected or recorded as skipped');
    assert.ok(d.queueHighWater <= capacity, `queue reached ${d.queueHighWater} > ${capacity}`);
    await env.store.flush();
    const skips = await rows<{ reason: string; n: string }>(env.store.pool, `SELECT reason, count(*) AS n FROM skips WHERE stream_id = $1 AND stage = 'detection' GROUP BY reason`, ['e2e-degrade']);
    const byReason = Object.fromEntries(skips.map((r) => [r.reason, Number(r.n)]));
    const total = Object.values(byReason).reduce((a, b) => a + b, 0);
    assert.equal(total, d.framesIn, `skips ${JSON.stringify(byReason)} vs ${d.framesIn} frames`);
    assert.ok((byReason.endpoint_error ?? 0) + (byReason.breaker_open ?? 0) > 0, JSON.stringify(byReason));
    assert.ok((byReason.breaker_open ?? 0) > 0, `the breaker opened: ${JSON.stringify(byReason)}`);
    const frames = await rows<{ n: string }>(env.store.pool, 'SELECT count(*) AS n FROM frames WHERE stream_id = $1', ['e2e-degrade']);
    assert.equal(Number(frames[0].n), s.ingest.frames, 'every ingested frame is stored');
  });
});
