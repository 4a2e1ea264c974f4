import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportClip } from '../../src/clips';
import { discover } from '../../src/gst';
import { openSource } from '../../src/ingest';
import { SegmentRecorder, readIndex, recordingDir, recordingSegments, segmentNsFor } from '../../src/recording';
import type { Frame } from '../../src/types';
import { clipRtsp } from '../ingest/helpers/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('recording: clips cut after the fact (src/clips over recordingSegments)', function () {
  this.timeout(120_000);
  let server: RtspServer | undefined;
  let dataDir: string;
  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'video-agent-rec-clip-'));
  });
  after(async () => {
    await server?.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a clip cut from the recording after the fact has the requested duration ± 0.5 s, and the stream\'s audio', async () => {
    server = await startRtspServer({ file: await clipRtsp(), audio: true });
    const streamId = 'cam-clip';
    const dir = recordingDir(dataDir, streamId);
    const clockStartMs = Date.now();
    const recorder = new SegmentRecorder({ streamId, dir, clockStartMs, maxAgeS: 86_400, maxBytes: 1024 ** 3, pollMs: 200 });
    const session = await openSource(server.url, {
      streamId, startTimeMs: clockStartMs, params: { fps: 5, width: 160, height: 120 },
      record: { location: recorder.location, segmentNs: segmentNsFor(2), maxFiles: 0 },
    });
    recorder.attach(session);
    const frames: Frame[] = [];
    const run = session.run({ onFrame: (f) => { frames.push(f); } });
    await sleep(11_000);
    await session.stop();
    await run;
    await recorder.stop();

    const index = await readIndex(dir);
    assert.ok(index.length >= 3, `${index.length} segments`);
    // A 4 s range across a segment boundary, starting 1.5 s into the second segment (between key frames).
    const fromUs = index[1].startUs + 1_500_000;
    const toUs = fromUs + 4_000_000;
    const segments = await recordingSegments(streamId, fromUs, toUs, { dataDir });
    assert.ok(segments.length >= 2, 'the range spans segments');
    // Re-encoded: cut exactly where asked.
    const exact = await exportClip({ kind: 'segments', segments }, { fromS: fromUs / 1e6, toS: toUs / 1e6, prefer: 'reencode' });
    try {
      assert.ok(Math.abs(exact.durationS - 4) <= 0.5, `clip of ${exact.durationS.toFixed(3)} s (${exact.mode})`);
      assert.equal(exact.width, 320);
      assert.equal(exact.hasAudio, true, 'the recording has the audio, so the clip has it');
      const info = await discover(exact.path, 5000);
      assert.match(info.audio?.codec ?? '', /AAC/);
    } finally {
      exact.dispose();
    }
    // Remuxed: starts at the key frame at or before `from` (1 s GOPs here), still covers the range.
    const copy = await exportClip({ kind: 'segments', segments }, { fromS: fromUs / 1e6, toS: toUs / 1e6 });
    try {
      assert.ok(copy.startUs <= fromUs && copy.startUs >= fromUs - 1_000_000, `starts at ${copy.startUs} for ${fromUs} (${copy.mode})`);
      assert.ok(Math.abs(copy.durationS - (toUs - copy.startUs) / 1e6) <= 0.5, `clip of ${copy.durationS.toFixed(3)} s from ${copy.startUs}`);
      assert.equal(copy.hasAudio, true, 'remuxed with the audio (copied, AAC)');
      assert.match((await discover(copy.path, 5000)).audio?.codec ?? '', /AAC/);
    } finally {
      copy.dispose();
    }
  });
});
