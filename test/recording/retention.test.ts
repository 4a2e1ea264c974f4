import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoAgentError } from '../../src/errors';
import { applyRetention, parseRecordingConfig, readIndex, recordFileSource, recordingSegments, type SegmentEntry } from '../../src/recording';
import { rewriteIndex } from '../../src/recording/segment-index';

const MB = 1024 * 1024;

/** A stream folder with numbered segments of `sizes` bytes, ending `agesS` seconds ago, indexed. */
function stream(dir: string, segs: { bytes: number; ageS: number }[], now: number): SegmentEntry[] {
  fs.mkdirSync(path.join(dir, '.writing'), { recursive: true });
  const entries: SegmentEntry[] = [];
  segs.forEach((s, i) => {
    const file = `${String(i).padStart(10, '0')}.mp4`;
    fs.writeFileSync(path.join(dir, file), Buffer.alloc(s.bytes));
    const t = (now - s.ageS * 1000) / 1000;
    fs.utimesSync(path.join(dir, file), t, t);
    entries.push({ file, startUs: i * 10e6, durationUs: 10e6, wallMs: 0, bytes: s.bytes, session: 1 });
  });
  return entries;
}

describe('recording: retention', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'video-agent-retention-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('deletes segments older than maxAgeS (by mtime) and drops their index lines', async () => {
    const now = Date.now();
    const entries = stream(dir, [{ bytes: 100, ageS: 7200 }, { bytes: 100, ageS: 3700 }, { bytes: 100, ageS: 60 }, { bytes: 100, ageS: 5 }], now);
    await rewriteIndex(dir, entries);
    const r = await applyRetention(dir, { maxAgeS: 3600, maxBytes: 10 * MB }, now);
    assert.deepEqual(r.deleted, ['0000000000.mp4', '0000000001.mp4']);
    assert.deepEqual((await readIndex(dir)).map((e) => e.file), ['0000000002.mp4', '0000000003.mp4']);
    assert.equal(r.bytes, 200);
  });

  it('deletes the oldest segments until the total (writing file included) is within maxBytes', async () => {
    const now = Date.now();
    const entries = stream(dir, [{ bytes: 4 * MB, ageS: 40 }, { bytes: 4 * MB, ageS: 30 }, { bytes: 4 * MB, ageS: 20 }, { bytes: 4 * MB, ageS: 10 }], now);
    await rewriteIndex(dir, entries);
    fs.writeFileSync(path.join(dir, '.writing', '0000000000.mp4'), Buffer.alloc(3 * MB));
    const r = await applyRetention(dir, { maxAgeS: 86_400, maxBytes: 12 * MB }, now);
    // 19 MB → drop 4 MB twice → 11 MB.
    assert.deepEqual(r.deleted, ['0000000000.mp4', '0000000001.mp4']);
    assert.equal(r.bytes, 11 * MB);
    assert.deepEqual((await readIndex(dir)).map((e) => e.file), ['0000000002.mp4', '0000000003.mp4']);
  });

  it('never deletes the file being written, however old or large, nor an external (file source) entry', async () => {
    const now = Date.now();
    stream(dir, [{ bytes: 100, ageS: 9000 }], now);
    const writing = path.join(dir, '.writing', '0000000003.mp4');
    fs.writeFileSync(writing, Buffer.alloc(2 * MB));
    const old = (now - 90_000_000) / 1000;
    fs.utimesSync(writing, old, old);
    const closing = path.join(dir, '.closing-1', '0000000000.mp4');
    fs.mkdirSync(path.dirname(closing));
    fs.writeFileSync(closing, Buffer.alloc(MB));
    fs.utimesSync(closing, old, old);
    const source = path.join(dir, 'source.mp4');
    fs.writeFileSync(source, Buffer.alloc(100));
    fs.utimesSync(source, old, old);
    await recordFileSource(dir, source, 5e6, 42);
    const r = await applyRetention(dir, { maxAgeS: 1, maxBytes: 1 }, now);
    assert.deepEqual(r.deleted, ['0000000000.mp4']);
    assert.ok(fs.existsSync(writing) && fs.existsSync(closing) && fs.existsSync(source));
    assert.equal(r.bytes, 3 * MB);
    assert.deepEqual(await readIndex(dir), [{ file: source, startUs: 0, durationUs: 5_000_000, wallMs: 42, bytes: 100, session: 42, external: true }]);
  });

  it('a file source is its own recording: the lookup returns the file for any range inside it', async () => {
    const streamDir = path.join(dir, 'recordings', 'file1');
    const source = path.join(dir, 'clip.mp4');
    fs.writeFileSync(source, Buffer.alloc(10));
    await recordFileSource(streamDir, source, 30e6, 1000);
    await recordFileSource(streamDir, source, 30e6, 1000); // a re-run replaces, not appends
    assert.deepEqual(await recordingSegments('file1', 5e6, 8e6, { dataDir: dir }), [{ path: source, startUs: 0, durationUs: 30e6 }]);
    assert.deepEqual(await recordingSegments('file1', 31e6, 40e6, { dataDir: dir }), []);
    assert.deepEqual(await recordingSegments('nothing', 0, 1e6, { dataDir: dir }), []);
  });

  it('the lookup reads only the latest session and skips torn lines and deleted files', async () => {
    const streamDir = path.join(dir, 'recordings', 'cam');
    fs.mkdirSync(streamDir, { recursive: true });
    for (const f of ['0000000000.mp4', '0000000001.mp4', '0000000002.mp4']) fs.writeFileSync(path.join(streamDir, f), 'x');
    const lines = [
      { file: '0000000000.mp4', startUs: 0, durationUs: 2e6, wallMs: 1, bytes: 1, session: 1 },
      { file: '0000000001.mp4', startUs: 0, durationUs: 2e6, wallMs: 2, bytes: 1, session: 2 },
      { file: '0000000002.mp4', startUs: 2e6, durationUs: 2e6, wallMs: 2, bytes: 1, session: 2 },
      { file: '0000000009.mp4', startUs: 4e6, durationUs: 2e6, wallMs: 2, bytes: 1, session: 2 },
    ];
    fs.writeFileSync(path.join(streamDir, 'index.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"file":"torn`);
    const hits = await recordingSegments('cam', 1e6, 10e6, { dataDir: dir });
    assert.deepEqual(hits.map((h) => [path.basename(h.path), h.startUs]), [['0000000001.mp4', 0], ['0000000002.mp4', 2e6]]);
    assert.deepEqual((await recordingSegments('cam', 0, 1e6, { dataDir: dir, session: 1 })).map((h) => path.basename(h.path)), ['0000000000.mp4']);
  });
});

describe('recording: config', () => {
  it('fills defaults and names the key of a bad value', () => {
    assert.deepEqual(parseRecordingConfig({}), { enabled: false, segmentS: 10, maxAgeS: 86_400, maxBytes: 10 * 1024 ** 3 });
    for (const [raw, key] of [[{ segmentS: 0 }, 'recording.segmentS'], [{ segmentS: 601 }, 'recording.segmentS'], [{ maxBytes: 10 }, 'recording.maxBytes'], [{ maxAgeS: -1 }, 'recording.maxAgeS'], [{ enabled: 'yes' }, 'recording.enabled']] as const) {
      assert.throws(() => parseRecordingConfig(raw), (err: unknown) => {
        assert.ok(err instanceof VideoAgentError);
        assert.equal(err.code, 'E_BAD_RECORDING_CONFIG');
        assert.equal(err.kind, 'config');
        assert.ok(err.message.startsWith(`${key}: `), err.message);
        return true;
      });
    }
    assert.throws(() => parseRecordingConfig({ segments: 3 }), /recording: .*segments/);
    assert.throws(() => parseRecordingConfig({ segmentS: 0 }, 'streams.0.recording'), /^VideoAgentError: streams\.0\.recording\.segmentS: /);
  });
});
