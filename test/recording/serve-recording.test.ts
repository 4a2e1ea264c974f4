/**
 * A real `video-agent serve` process recording a configured RTSP stream: segments under
 * <server.dataDir>/recordings/<id>/, and a clip cut from them over the API after the fact.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readIndex, recordingDir } from '../../src/recording';
import { clipRtsp } from '../ingest/helpers/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';
import { api, schemaDatabaseUrl, startServe, tempDir, waitFor, type ServeProcess } from '../server/helpers';

const KEY = 'key-rec-0123456789abcdef';

describe('recording: serve records a configured stream and cuts clips from it', function () {
  this.timeout(180_000);
  const dir = tempDir('va-serve-rec-');
  let db: Awaited<ReturnType<typeof schemaDatabaseUrl>>;
  let rtsp: RtspServer | null = null;
  let srv: ServeProcess | undefined;

  before(async () => {
    db = await schemaDatabaseUrl('serve_recording');
    rtsp = await startRtspServer({ file: await clipRtsp() });
    srv = await startServe({
      dir,
      env: { DATABASE_URL: db.url, VIDEO_AGENT_API_KEY: KEY, CAM_URL: rtsp.url },
      config: [
        'server:',
        '  dataDir: ./state',
        'defaults:',
        '  recording: { segmentS: 2 }',
        'streams:',
        '  - id: cam',
        '    source: ${CAM_URL}',
        '    stages: []',
        '    recording: { enabled: true }',
        '  - id: quiet',
        '    source: ${CAM_URL}',
        '    stages: []',
      ].join('\n'),
    });
  });
  after(async () => {
    await srv?.stop('SIGKILL').catch(() => undefined);
    await rtsp?.kill();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes indexed segments under server.dataDir for the stream that asks, and a clip of a past range has its duration', async () => {
    const streamDir = recordingDir(path.join(dir, 'state'), 'cam');
    const index = await waitFor(async () => { const i = await readIndex(streamDir); return i.length >= 3 ? i : null; }, 60_000, 'three closed segments');
    assert.equal(fs.existsSync(recordingDir(path.join(dir, 'state'), 'quiet')), false, 'recording is off unless asked');
    // From a segment boundary (a key frame), so a remux starts exactly there.
    const from = index[1].startUs / 1e6;
    const res = await api(srv!.url, 'POST', '/v1/streams/cam/clips', { key: KEY, body: { from, to: from + 3 } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.source, 'recording');
    assert.ok(Math.abs(res.json.durationS - 3) <= 0.5, `clip of ${res.json.durationS} s (${res.json.mode})`);
  });
});
