import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';

import { exportClip, type ExportedClip } from '../../src/clips';
import { clipError } from '../../src/clips/run-pipeline';
import { discover, Pipeline } from '../../src/gst';
import { VideoAgentError } from '../../src/errors';
import { clipMedia, topLevelBoxes } from './media';

/** The things every exported clip must be: faststart MP4, H.264 (+ AAC), the duration asked for, a poster that decodes. */
async function checkClip(c: ExportedClip, o: { durationS: number; audio: boolean }): Promise<void> {
  const info = await discover(c.path);
  assert.ok(Math.abs(info.durationNs / 1e9 - o.durationS) <= 0.5, `duration ${info.durationNs / 1e9} s, wanted ${o.durationS} ± 0.5`);
  assert.ok(Math.abs(c.durationS - info.durationNs / 1e9) < 1e-6);
  assert.match(info.video?.codec ?? '', /^H\.264/);
  assert.doesNotMatch(info.video!.codec, /4:4:4/);
  assert.equal(Boolean(info.audio), o.audio, `audio ${JSON.stringify(info.audio)}`);
  if (o.audio) assert.match(info.audio!.codec, /AAC/);
  const boxes = topLevelBoxes(fs.readFileSync(c.path));
  assert.ok(boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'), `faststart: moov before mdat, got ${boxes.join(',')}`);
  assert.equal(c.sizeBytes, fs.statSync(c.path).size);
  const poster = await sharp(c.posterPath).metadata();
  assert.equal(poster.format, 'jpeg');
  assert.deepEqual([poster.width, poster.height], [320, 240]);
}

describe('clips: exportClip', function () {
  this.timeout(120_000);
  const done: ExportedClip[] = [];
  before(async () => { await clipMedia(); });
  after(() => { for (const c of done) c.dispose(); });

  it('remuxes 3 s of a 10 s browser-safe H.264 + AAC file (key frame at 3 s): faststart MP4, video and audio, poster', async () => {
    const c = await exportClip({ kind: 'file', path: (await clipMedia()).h264 }, { fromS: 3, toS: 6 });
    done.push(c);
    assert.equal(c.mode, 'remux');
    assert.equal(c.hasAudio, true);
    assert.ok(Math.abs(c.startUs - 3e6) <= 40_000 && c.endUs === 6e6, `${c.startUs}..${c.endUs}`);
    await checkClip(c, { durationS: 3, audio: true });
    console.log(`      remux 3 s: ${c.exportMs} ms, ${c.sizeBytes} bytes`);
  });

  it('a remux starts at the key frame at or before from (2.5 s → 2 s) and reports it', async () => {
    const c = await exportClip({ kind: 'file', path: (await clipMedia()).h264 }, { fromS: 2.5, toS: 5.5 });
    done.push(c);
    assert.equal(c.mode, 'remux');
    assert.ok(Math.abs(c.startUs - 2e6) <= 40_000, `actual start ${c.startUs} µs`);
    await checkClip(c, { durationS: 3.5, audio: true });
  });

  it('re-encodes a VP8 + Vorbis source to H.264 + AAC, cut exactly at from', async () => {
    const c = await exportClip({ kind: 'file', path: (await clipMedia()).vp8 }, { fromS: 2.5, toS: 5.5 });
    done.push(c);
    assert.equal(c.mode, 'reencode');
    assert.equal(c.startUs, 2.5e6);
    await checkClip(c, { durationS: 3, audio: true });
    console.log(`      re-encode 3 s: ${c.exportMs} ms, ${c.sizeBytes} bytes`);
  });

  it('re-encodes H.264 in a profile browsers cannot play (High 4:4:4); a video-only source gives a video-only clip', async () => {
    const c = await exportClip({ kind: 'file', path: (await clipMedia()).h264High444 }, { fromS: 1, toS: 3 });
    done.push(c);
    assert.equal(c.mode, 'reencode');
    await checkClip(c, { durationS: 2, audio: false });
  });

  it('cuts a range across two recording segments (4 s each) and concatenates the pieces', async () => {
    const { segments } = await clipMedia();
    assert.ok(segments.length >= 3, `segments: ${segments.length}`);
    const c = await exportClip({ kind: 'segments', segments }, { fromS: 2, toS: 7 });
    done.push(c);
    assert.equal(c.mode, 'remux');
    assert.ok(c.startUs <= 2e6 && c.endUs === 7e6, `${c.startUs}..${c.endUs}`);
    await checkClip(c, { durationS: 5, audio: true });
  });

  it('joins segments that differ (size, profile, audio rate) by decoding them and encoding once, at the first one\'s size', async () => {
    const { segments, otherSegment } = await clipMedia();
    const mixed = [segments[0]!, { path: otherSegment, startUs: segments[0]!.durationUs, durationUs: 4e6 }];
    const c = await exportClip({ kind: 'segments', segments: mixed }, { fromS: 2, toS: 6 });
    done.push(c);
    assert.equal(c.mode, 'reencode');
    assert.deepEqual([c.width, c.height], [320, 240]);
    await checkClip(c, { durationS: 4, audio: true });
  });

  it('maps a missing GStreamer element to E_CLIP_MISSING_PLUGIN (kind config)', () => {
    let err: unknown;
    try { Pipeline.create('fakesrc ! x265enc-not-installed ! fakesink'); } catch (e) { err = e; }
    const mapped = clipError(err, 'src.mp4');
    assert.equal(mapped.code, 'E_CLIP_MISSING_PLUGIN');
    assert.equal(mapped.kind, 'config');
    assert.match(mapped.message, /x265enc-not-installed/);
  });

  it('refuses bad ranges, missing and unreadable sources with clear codes, and leaves no temp files', async () => {
    const m = await clipMedia();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'va-clip-work-'));
    const code = (c: string) => (e: unknown) => e instanceof VideoAgentError && e.code === c;
    const file = { kind: 'file' as const, path: m.h264 };
    await assert.rejects(exportClip(file, { fromS: 5, toS: 5, workDir: work }), code('E_CLIP_BAD_RANGE'));
    await assert.rejects(exportClip(file, { fromS: 6, toS: 2, workDir: work }), /to must be a finite number of seconds after from/);
    await assert.rejects(exportClip(file, { fromS: Number.NaN, toS: 2, workDir: work }), code('E_CLIP_BAD_RANGE'));
    await assert.rejects(exportClip(file, { fromS: 0, toS: 601, workDir: work }), /at most 600 s/);
    await assert.rejects(exportClip(file, { fromS: 12, toS: 14, workDir: work }), (e: unknown) => code('E_CLIP_BAD_RANGE')(e) && /past the end/.test((e as Error).message));
    await assert.rejects(exportClip({ kind: 'file', path: m.missing }, { fromS: 0, toS: 1, workDir: work }), code('E_CLIP_SOURCE_NOT_FOUND'));
    await assert.rejects(exportClip({ kind: 'file', path: m.notMedia }, { fromS: 0, toS: 1, workDir: work }), code('E_CLIP_SOURCE_UNREADABLE'));
    await assert.rejects(exportClip({ kind: 'segments', segments: m.segments }, { fromS: 100, toS: 101, workDir: work }), /no recording covers/);
    await assert.rejects(exportClip(file, { fromS: 1, toS: 4, prefer: 'reencode', timeoutMs: 5, workDir: work }), code('E_CLIP_TIMEOUT'));
    assert.deepEqual(fs.readdirSync(work), [], 'temp folders removed');
    fs.rmSync(work, { recursive: true, force: true });
  });
});
