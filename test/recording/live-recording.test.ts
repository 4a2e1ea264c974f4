import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discover } from '../../src/gst';
import { openSource, type Session } from '../../src/ingest';
import { SegmentRecorder, mp4Durations, readIndex, recordingDir, recordingSegments, segmentNsFor, type SegmentEntry } from '../../src/recording';
import type { Frame } from '../../src/types';
import { clipRtsp } from '../ingest/helpers/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Live {
  session: Session;
  recorder: SegmentRecorder;
  frames: Frame[];
  segments: SegmentEntry[];
  run: Promise<unknown>;
  dir: string;
}

/** An RTSP session with the template's record branch, followed by a SegmentRecorder (what analyze wires up). */
async function recordLive(url: string, dataDir: string, streamId: string, segmentS: number, logger?: import('pino').Logger): Promise<Live> {
  const dir = recordingDir(dataDir, streamId);
  const clockStartMs = Date.now();
  const segments: SegmentEntry[] = [];
  const recorder = new SegmentRecorder({ streamId, dir, clockStartMs, maxAgeS: 86_400, maxBytes: 1024 ** 3, pollMs: 200, onSegment: (e) => segments.push(e) });
  const session = await openSource(url, {
    streamId, startTimeMs: clockStartMs, params: { fps: 5, width: 160, height: 120 },
    record: { location: recorder.location, segmentNs: segmentNsFor(segmentS), maxFiles: 0 }, logger,
  });
  recorder.attach(session);
  const frames: Frame[] = [];
  const run = session.run({ onFrame: (f) => { frames.push(f); } });
  return { session, recorder, frames, segments, run, dir };
}

describe('recording: a live RTSP stream through the real pipeline', function () {
  this.timeout(90_000);
  let file: string;
  let server: RtspServer | undefined;
  let dataDir: string;
  before(async () => {
    file = await clipRtsp(); // H.264, a key frame every second
  });
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'video-agent-rec-'));
  });
  afterEach(async () => {
    await server?.kill();
    server = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes playable MP4 segments with contiguous offsets on the frames\' clock, while frames keep their fps', async () => {
    server = await startRtspServer({ file, audio: true });
    const live = await recordLive(server.url, dataDir, 'cam1', 2);
    assert.match(live.session.pipeline.launch, /splitmuxsink location="[^"]+\/\.writing\/%010d\.mp4" max-size-time=2250000000/);
    // AAC is copied (the MPEG4-GENERIC depayloader the probe's RTP encoding names + aacparse, no decoder) into the same splitmuxsink.
    assert.match(live.session.pipeline.launch, /audio_rtp\. ! queue [^!]*! rtpmp4gdepay ! aacparse ! recmux\.audio_0/);
    assert.deepEqual(live.session.pipeline.record?.audio, { codec: 'aac', depay: 'rtpmp4gdepay' });
    await until(() => live.frames.length > 0, 15_000, 'first frame');
    await sleep(10_000);
    await live.session.stop();
    await live.run;
    await live.recorder.stop();

    const firstUs = live.frames[0].ptsUs;
    const spanUs = live.frames.at(-1)!.ptsUs - firstUs;
    const fps = (live.frames.length - 1) / (spanUs / 1e6);
    assert.ok(Math.abs(fps - 5) < 1, `decode branch at ${fps.toFixed(2)} fps while recording`);

    const index = await readIndex(live.dir);
    assert.deepEqual(index, live.segments, 'every segment indexed once, in order');
    assert.ok(index.length >= 3, `${index.length} segments in ~10 s of 2 s segments`);
    // The first segment starts at the connection's first frame, each next one where the last ended.
    assert.equal(index[0].startUs, firstUs);
    for (let i = 1; i < index.length; i++) assert.equal(index[i].startUs, index[i - 1].startUs + index[i - 1].durationUs, `segment ${i} contiguous`);
    for (const e of index) {
      assert.ok(e.durationUs > 1.5e6 && e.durationUs < 3.5e6, `segment ${e.file}: ${e.durationUs} µs`);
      assert.equal(e.wallMs, Math.round(e.session + e.startUs / 1000));
      const info = await discover(path.join(live.dir, e.file), 5000);
      assert.match(info.video!.codec, /H\.264/);
      assert.match(info.audio?.codec ?? '', /AAC/, `${e.file}: the stream's AAC audio is recorded too`);
      // The video track's length: audio running a frame past the video must not shift the next offset.
      const d = (await mp4Durations(path.join(live.dir, e.file)))!;
      assert.equal(e.durationUs, d.videoUs, 'index duration = the file\'s video track');
      assert.ok(Math.abs(info.durationNs / 1000 - e.durationUs) < 50_000, 'index duration ≈ the file\'s');
      assert.ok(d.audioUs! > e.durationUs - 200_000, `${e.file}: audio for the whole segment (${d.audioUs} of ${e.durationUs} µs)`);
    }
    // All of it: a graceful stop sends EOS first, so the segment being written is finalised and indexed too.
    const totalUs = index.reduce((n, e) => n + e.durationUs, 0);
    assert.ok(Math.abs(totalUs - spanUs) <= 1e6, `recorded ${totalUs / 1e6} s of ${spanUs / 1e6} s`);
    // Nothing left in the writing folder; only numbered segments and the index.
    assert.deepEqual(fs.readdirSync(path.join(live.dir, '.writing')), []);
    assert.deepEqual(fs.readdirSync(live.dir).filter((n) => !/^\d{10}\.mp4$/.test(n)).sort(), ['.writing', 'index.jsonl']);

    const mid = index[1].startUs + 100_000;
    const hits = await recordingSegments('cam1', mid, mid + index[1].durationUs, { dataDir });
    assert.deepEqual(hits.map((h) => path.basename(h.path)), [index[1].file, index[2].file]);
    assert.deepEqual(hits[0], { path: path.join(live.dir, index[1].file), startUs: index[1].startUs, durationUs: index[1].durationUs });
    assert.deepEqual(await recordingSegments('cam1', index[0].startUs - 10e6, index[0].startUs - 5e6, { dataDir }), []);
  });

  it('a graceful stop keeps the last segment: the indexed total is the recorded time', async () => {
    server = await startRtspServer({ file, audio: true });
    // 4 s segments, stopped mid-segment: without EOS at stop the last ~2.5 s would be lost.
    const live = await recordLive(server.url, dataDir, 'cam-stop', 4);
    await until(() => live.frames.length > 0, 15_000, 'first frame');
    const firstAt = Date.now();
    await sleep(6_500);
    const stopAt = Date.now();
    await live.session.stop();
    const stoppedMs = Date.now() - stopAt;
    await live.run;
    await live.recorder.stop();

    const index = await readIndex(live.dir);
    assert.deepEqual(index, live.segments);
    const totalUs = index.reduce((n, e) => n + e.durationUs, 0);
    const spanUs = live.frames.at(-1)!.ptsUs - live.frames[0].ptsUs;
    const wallUs = (stopAt - firstAt) * 1000;
    console.log(`      recorded ${(totalUs / 1e6).toFixed(2)} s in ${index.length} segments; frames span ${(spanUs / 1e6).toFixed(2)} s, wall ${(wallUs / 1e6).toFixed(2)} s; stop took ${stoppedMs} ms`);
    assert.ok(index.length >= 2, `${index.length} segments: the one being written at stop is indexed`);
    assert.ok(Math.abs(totalUs - spanUs) <= 1e6, `recorded ${totalUs / 1e6} s of ${spanUs / 1e6} s (frames)`);
    assert.ok(Math.abs(totalUs - wallUs) <= 1e6, `recorded ${totalUs / 1e6} s of ${wallUs / 1e6} s (wall clock)`);
    for (let i = 1; i < index.length; i++) assert.equal(index[i].startUs, index[i - 1].startUs + index[i - 1].durationUs);
    for (const e of index) {
      const info = await discover(path.join(live.dir, e.file), 5000);
      assert.ok(info.durationNs > 0.5e9, `${e.file} playable`);
      // The last one too: the EOS at stop finalised it with its audio.
      assert.match(info.audio?.codec ?? '', /AAC/, `${e.file} has the audio`);
    }
    assert.deepEqual(fs.readdirSync(path.join(live.dir, '.writing')), []);
    assert.ok(stoppedMs < 5_000, `stop took ${stoppedMs} ms`);
  });

  it('retention during a live recording deletes closed segments, never the one being written, and recording goes on', async () => {
    server = await startRtspServer({ file, audio: false });
    const live = await recordLive(server.url, dataDir, 'cam2', 2);
    try {
      await until(() => live.segments.length >= 2, 20_000, 'two closed segments');
      const writing = path.join(live.dir, '.writing');
      const open = fs.readdirSync(writing);
      assert.equal(open.length, 1, 'one file being written');
      const r = await live.recorder.retention({ maxAgeS: 0, maxBytes: 1 });
      assert.ok(r.deleted.length >= 2, `deleted ${r.deleted.join(',')}`);
      assert.deepEqual(fs.readdirSync(live.dir).filter((n) => n.endsWith('.mp4')), [], 'every closed segment went');
      assert.ok(fs.existsSync(path.join(writing, open[0])), 'the writing segment stays');
      assert.deepEqual(await readIndex(live.dir), [], 'the index lost the deleted lines');
      const before = live.segments.length;
      await until(() => live.segments.length > before, 10_000, 'the next segment to close');
      const next = live.segments.at(-1)!;
      assert.equal(next.file, fs.readdirSync(live.dir).find((n) => n.endsWith('.mp4')));
      const prev = live.segments.at(-2)!;
      assert.equal(next.startUs, prev.startUs + prev.durationUs, 'offsets stay contiguous across a retention run');
      const info = await discover(path.join(live.dir, next.file), 5000);
      assert.ok(info.durationNs >= 0.9e9, 'the segment that was being written closed playable');
      assert.equal(info.audio, null, 'no audio in the source, none in the recording');
      assert.doesNotMatch(live.session.pipeline.launch, /audio_rtp|recmux\.audio_0/, 'no audio tee without audio');
    } finally {
      await live.session.stop();
      await live.run.catch(() => undefined);
      await live.recorder.stop();
    }
  });

  it('a reconnect continues the recording: the next connection\'s segments start after the last, nothing is overwritten', async () => {
    server = await startRtspServer({ file, audio: false });
    const port = server.port;
    const live = await recordLive(server.url, dataDir, 'cam3', 2);
    try {
      await until(() => live.segments.length >= 2, 20_000, 'two closed segments');
      await server.kill();
      await until(() => live.session.state === 'reconnecting', 15_000, 'the drop to be noticed');
      server = await startRtspServer({ file, audio: false, port });
      await until(() => live.session.stats().reconnects >= 1, 20_000, 'the reconnect');
      const firstAfter = () => live.frames.find((f) => f.ptsUs > live.segments[1].startUs + live.segments[1].durationUs + 1e6);
      await until(() => live.segments.some((e) => firstAfter() !== undefined && e.startUs >= firstAfter()!.ptsUs - 1), 20_000, 'a segment of the new connection');
    } finally {
      await live.session.stop();
      await live.run.catch(() => undefined);
      await live.recorder.stop();
    }
    const index = await readIndex(live.dir);
    assert.deepEqual(index.map((e) => e.file), index.map((_, i) => `${String(i).padStart(10, '0')}.mp4`), 'numbered in order, none reused');
    for (let i = 1; i < index.length; i++) assert.ok(index[i].startUs >= index[i - 1].startUs + index[i - 1].durationUs, `segment ${i} after segment ${i - 1}`);
    for (const e of index) assert.ok((await discover(path.join(live.dir, e.file), 5000)).durationNs > 0.5e9, `${e.file} playable`);
    assert.deepEqual(fs.readdirSync(live.dir).filter((n) => n.startsWith('.closing-')), [], 'the old connection\'s folder is gone');
  });

  it('audio that is not AAC (PCMU) is encoded to AAC into the same segments', async () => {
    server = await startRtspServer({ file, audio: true, audioCodec: 'pcmu' });
    const live = await recordLive(server.url, dataDir, 'cam-pcmu', 2);
    try {
      assert.match(live.session.pipeline.launch, /audio_rtp\. ! queue [^!]*! rtppcmudepay ! mulawdec ! audioconvert ! audioresample ! (avenc_aac|voaacenc) .*! aacparse ! recmux\.audio_0/);
      await until(() => live.segments.length >= 2, 20_000, 'two closed segments');
    } finally {
      await live.session.stop();
      await live.run.catch(() => undefined);
      await live.recorder.stop();
    }
    const index = await readIndex(live.dir);
    assert.ok(index.length >= 2);
    for (let i = 1; i < index.length; i++) assert.equal(index[i].startUs, index[i - 1].startUs + index[i - 1].durationUs, `segment ${i} contiguous`);
    for (const e of index) {
      const info = await discover(path.join(live.dir, e.file), 5000);
      assert.match(info.audio?.codec ?? '', /AAC/, `${e.file}: PCMU recorded as AAC`);
      assert.equal(e.durationUs, (await mp4Durations(path.join(live.dir, e.file)))!.videoUs);
    }
  });

  it('AAC in MP4A-LATM is copied too, through the LATM depayloader the probe names', async () => {
    server = await startRtspServer({ file, audio: true, audioCodec: 'latm' });
    const live = await recordLive(server.url, dataDir, 'cam-latm', 2);
    try {
      assert.match(live.session.pipeline.launch, /audio_rtp\. ! queue [^!]*! rtpmp4adepay ! aacparse ! recmux\.audio_0/);
      await until(() => live.segments.length >= 2, 20_000, 'two closed segments');
    } finally {
      await live.session.stop();
      await live.run.catch(() => undefined);
      await live.recorder.stop();
    }
    const index = await readIndex(live.dir);
    assert.ok(index.length >= 2);
    for (const e of index) {
      const info = await discover(path.join(live.dir, e.file), 5000);
      assert.match(info.audio?.codec ?? '', /AAC/, `${e.file}: LATM AAC recorded`);
      const d = (await mp4Durations(path.join(live.dir, e.file)))!;
      assert.ok(d.audioUs! > e.durationUs - 200_000, `${e.file}: audio for the whole segment (${d.audioUs} of ${e.durationUs} µs)`);
    }
  });

  it('H.265 is recorded as it comes too (no re-encode)', async () => {
    const h265 = path.join(dataDir, 'h265.mp4');
    execFileSync('gst-launch-1.0', ['-q', 'videotestsrc', 'pattern=ball', 'num-buffers=500', '!', 'video/x-raw,width=320,height=240,framerate=25/1', '!',
      'x265enc', 'speed-preset=ultrafast', 'tune=zerolatency', 'key-int-max=25', '!', 'h265parse', '!', 'mp4mux', '!', 'filesink', `location=${h265}`], { stdio: 'ignore', timeout: 60_000 });
    server = await startRtspServer({ file: h265, codec: 'h265' });
    const live = await recordLive(server.url, dataDir, 'cam265', 2);
    try {
      assert.match(live.session.pipeline.launch, /rtph265depay ! h265parse config-interval=-1 ! splitmuxsink/);
      await until(() => live.segments.length >= 2, 20_000, 'two closed segments');
    } finally {
      await live.session.stop();
      await live.run.catch(() => undefined);
      await live.recorder.stop();
    }
    assert.ok(live.frames.length > 10, 'frames decoded from H.265');
    for (const e of await readIndex(live.dir)) {
      const info = await discover(path.join(live.dir, e.file), 5000);
      assert.match(info.video!.codec, /H\.265/);
      assert.ok(Math.abs(info.durationNs / 1000 - e.durationUs) < 1000);
    }
  });
});
