import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { VideoAgentError } from '../../src/errors';
import { parseCount } from '../../src/gst';
import { DISCOVER_CACHE_MIN_AGE_MS } from '../../src/ingest/probe';
import { openSource, probeFile, resolveSource, type Session } from '../../src/ingest';
import { renderCount } from '../../src/pipelines';
import { truncateFile } from '../../src/media';
import { AUDIO_SAMPLE_RATE } from '../../src/types';
import { clip60s, clipShort, clipVideoOnly } from './helpers/media';

async function expectError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof VideoAgentError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
}

describe('ingest: file sessions', function () {
  this.timeout(120_000);
  let long: string;
  let short: string;
  before(async () => {
    long = await clip60s();
    short = await clipShort();
  });

  it('60 s at 10 fps gives 600 ± 1 frames with strictly increasing pts, and all the audio', async () => {
    const startTimeMs = Date.UTC(2026, 0, 1);
    const session = await openSource(long, { params: { fps: 10, width: 320, height: 240 }, startTimeMs, streamId: 'long-clip' });
    assert.ok(session.probe.hasAudio);
    const pts: number[] = [];
    let audioBytes = 0;
    let lastAudioPts = -1;
    for await (const item of session.media()) {
      if (item.kind === 'frame') {
        pts.push(item.frame.ptsUs);
        assert.equal(item.frame.streamId, 'long-clip');
        assert.equal(item.frame.ts, startTimeMs + item.frame.ptsUs / 1000, 'wall clock = stream start + pts');
      } else {
        assert.ok(item.chunk.ptsUs > lastAudioPts);
        lastAudioPts = item.chunk.ptsUs;
        audioBytes += item.chunk.pcm.length;
      }
    }
    assert.ok(Math.abs(pts.length - 600) <= 1, `${pts.length} frames`);
    for (let i = 1; i < pts.length; i++) assert.ok(pts[i] > pts[i - 1], `pts ${pts[i]} after ${pts[i - 1]}`);
    assert.ok(Math.abs(pts[1] - pts[0] - 100_000) <= 1, 'frames 100 ms apart');
    const audioS = audioBytes / 2 / AUDIO_SAMPLE_RATE;
    const fileS = session.probe.durationNs / 1e9;
    assert.ok(Math.abs(audioS - fileS) < 0.05, `audio ${audioS} s vs file ${fileS} s`);
    const stats = session.stats();
    assert.equal(stats.state, 'ended');
    assert.equal(stats.frames, pts.length);
    assert.equal(stats.dropped, 0);
  });

  it('JPEGs decode at the requested size', async () => {
    const session = await openSource(short, { params: { fps: 2, width: 176, height: 144, quality: 60 } });
    let n = 0;
    for await (const frame of session.frames()) {
      const img = jpeg.decode(frame.jpeg, { useTArray: true });
      assert.equal(img.width, 176);
      assert.equal(img.height, 144);
      assert.equal(frame.width, 176);
      assert.equal(frame.height, 144);
      n++;
    }
    assert.ok(Math.abs(n - 12) <= 1, `${n} frames`);
  });

  it('a video-only file completes (no audio branch, no hang)', async () => {
    const session = await openSource(await clipVideoOnly(), { params: { fps: 5 } });
    assert.equal(session.probe.hasAudio, false);
    assert.deepEqual(session.pipeline.sinks, ['frames']);
    const stats = await session.run();
    assert.equal(stats.state, 'ended');
    assert.ok(Math.abs(stats.frames - 25) <= 1, `${stats.frames} frames`);
    assert.equal(stats.audioSeconds, 0);
  });

  it('a slow consumer on a file loses nothing (the decoder waits)', async () => {
    const fast = await (await openSource(short, { params: { fps: 10 } })).run();
    const slow = await openSource(short, { params: { fps: 10, max_buffers: 2 } });
    let frames = 0;
    let audio = 0;
    const t0 = Date.now();
    const stats = await slow.run({
      onFrame: async () => { frames++; await new Promise((r) => setTimeout(r, 15)); },
      onAudio: async (c) => { audio += c.pcm.length; await new Promise((r) => setTimeout(r, 2)); },
    });
    assert.ok(Date.now() - t0 >= 60 * 15, 'the consumer really was slow');
    assert.equal(frames, fast.frames);
    assert.equal(stats.dropped, 0);
    assert.ok(Math.abs(audio / 2 / AUDIO_SAMPLE_RATE - fast.audioSeconds) < 1e-6);
  });

  it('stop() during a file ends the iteration cleanly and releases the pipeline', async () => {
    const session = await openSource(long, { params: { fps: 10 } });
    let n = 0;
    const states: string[] = [];
    session.on('state', (s: string) => states.push(s));
    for await (const _ of session.frames()) {
      if (++n === 20) void session.stop();
    }
    assert.ok(n >= 20 && n < 100, `${n}`);
    assert.equal(session.state, 'stopped');
    assert.deepEqual(states.slice(0, 2), ['connecting', 'running']);
  });

  it('renders its template once and parses the launch line once, from open to the end of the run', async () => {
    const renders = renderCount();
    const parses = parseCount();
    const session = await openSource(short, { params: { fps: 5 } });
    assert.equal(renderCount() - renders, 1, 'renders while opening');
    assert.equal(parseCount() - parses, 1, 'gst_parse_launch calls while opening (validation is the parse)');
    const stats = await session.run();
    assert.equal(stats.state, 'ended');
    assert.ok(stats.frames > 0 && stats.firstFrameAt !== null && stats.firstFrameAt >= stats.startedAt!);
    assert.equal(renderCount() - renders, 1, 'renders per session');
    assert.equal(parseCount() - parses, 1, 'parses per session: the run used the validated pipeline');
  });

  it('a session stopped before it ran releases its parsed pipeline and parses nothing more', async () => {
    const session = await openSource(short);
    const parses = parseCount();
    await session.stop();
    for await (const _ of session.media()) assert.fail('nothing may be yielded');
    assert.equal(parseCount(), parses);
  });

  it('stop() before anything was consumed resolves at once and the session yields nothing', async () => {
    const session = await openSource(short);
    await session.stop();
    assert.equal(session.state, 'stopped');
    let n = 0;
    for await (const _ of session.media()) n++;
    assert.equal(n, 0);
    assert.throws(() => session.media(), /already being consumed/);
  });

  it('uses the discoverer cache only for a settled file (a file just written is probed afresh)', async () => {
    const cacheDir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'gstreamer-1.0', 'discoverer');
    // Entries hold the serialized info, URI included; other processes may add entries meanwhile.
    const entriesFor = (uri: string) =>
      (fs.existsSync(cacheDir) ? (fs.readdirSync(cacheDir, { recursive: true }) as string[]) : [])
        .map((f) => path.join(cacheDir, f))
        .filter((f) => fs.statSync(f).isFile() && fs.readFileSync(f).includes(uri)).length;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-cache-'));
    try {
      const copy = path.join(dir, 'copy.mp4');
      fs.copyFileSync(short, copy);
      const asFile = (f: string) => {
        const src = resolveSource(f);
        assert.equal(src.kind, 'file');
        return src as Extract<typeof src, { kind: 'file' }>;
      };
      const justWritten = asFile(copy);
      assert.equal((await probeFile(justWritten, 5000)).hasAudio, true);
      assert.equal(entriesFor(justWritten.uri), 0, 'a file younger than DISCOVER_CACHE_MIN_AGE_MS is not cached');
      const settled = (Date.now() - DISCOVER_CACHE_MIN_AGE_MS - 60_000) / 1000;
      fs.utimesSync(copy, settled, settled);
      const probe = await probeFile(asFile(copy), 5000);
      assert.equal(entriesFor(justWritten.uri), 1, 'a settled file is discovered once into the cache');
      assert.deepEqual(await probeFile(asFile(copy), 5000), probe, 'and answered from it the same');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('bad input gives one clear error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-bad-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('missing file', () => expectError(openSource(path.join(dir, 'nope.mp4')), 'E_FILE_NOT_FOUND', /file not found: .*nope\.mp4/));

    it('non-media file', async () => {
      const f = path.join(dir, 'notes.mp4');
      fs.writeFileSync(f, 'these are meeting notes, not a video\n'.repeat(50));
      await expectError(openSource(f), 'E_NOT_MEDIA', /notes\.mp4 is not a media file/);
    });

    it('truncated file', async () => {
      const f = truncateFile(short, path.join(dir, 'cut.mp4'), 0.6);
      await expectError(openSource(f), 'E_CORRUPT_MEDIA', /cut\.mp4 is truncated or corrupt: .+/);
    });

    it('bad parameter, before anything starts', () => expectError(openSource(short, { params: { fps: 0 } }), 'E_BAD_PIPELINE', /'fps' must be an integer between 1 and 120, got 0/));
  });
});

export type { Session };
