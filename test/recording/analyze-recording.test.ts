import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { parseRecordingConfig, readIndex, recordingDir, recordingSegments } from '../../src/recording';
import { parseStages } from '../../src/stages';
import { e2eEnv, type E2eEnv } from '../e2e/helpers';
import { clipRtsp } from '../ingest/helpers/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';

describe('recording: analyze --record (the wiring)', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  let server: RtspServer | undefined;
  let dataDir: string;
  let file: string;
  before(async () => {
    env = await e2eEnv('recording_analyze');
    file = await clipRtsp();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'video-agent-rec-analyze-'));
  });
  after(async () => {
    await server?.kill();
    await env?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('an RTSP stream analysed with recording on leaves indexed segments under <dataDir>/recordings/<stream>/', async () => {
    server = await startRtspServer({ file, audio: true });
    const recording = { ...parseRecordingConfig({ enabled: true, segmentS: 2 }), dataDir };
    const s = await analyzeSource(env.rt, { input: server.url, streamId: 'rec-live', stages: parseStages('none'), fps: 5, maxDurationS: 8, recording });
    assert.ok(s.ingest.frames >= 30, `${s.ingest.frames} frames`);
    const index = await readIndex(recordingDir(dataDir, 'rec-live'));
    assert.ok(index.length >= 2, `${index.length} segments`);
    const hits = await recordingSegments('rec-live', 0, 60e6, { dataDir });
    assert.equal(hits.length, index.length);
  });

  it('recording off (the default) writes nothing; a file source is its own recording', async () => {
    server ??= await startRtspServer({ file, audio: true });
    await analyzeSource(env.rt, { input: server.url, streamId: 'rec-off', stages: parseStages('none'), fps: 5, maxDurationS: 2, recording: { ...parseRecordingConfig({}), dataDir } });
    assert.equal(fs.existsSync(recordingDir(dataDir, 'rec-off')), false);

    const recording = { ...parseRecordingConfig({ enabled: true }), dataDir };
    const s = await analyzeSource(env.rt, { input: file, streamId: 'rec-file', stages: parseStages('none'), fps: 1, recording });
    assert.equal(s.live, false);
    const hits = await recordingSegments('rec-file', 30e6, 40e6, { dataDir });
    assert.deepEqual(hits, [{ path: path.resolve(file), startUs: 0, durationUs: hits[0]!.durationUs }]);
    assert.ok(Math.abs(hits[0]!.durationUs - 120e6) < 0.5e6, `${hits[0]!.durationUs} µs`);
  });
});
