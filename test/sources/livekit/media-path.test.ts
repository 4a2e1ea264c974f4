import assert from 'node:assert/strict';
import sharp from 'sharp';
import { startLivekitSource, type LivekitSource } from '../../../src/sources/livekit';
import { rtc } from '../../../src/sources/livekit/rtc';
import { FakeRoom } from '../../../src/sources/livekit/testing/fake-room';
import type { Session, SessionStats } from '../../../src/ingest';
import type { AudioChunk, Frame } from '../../../src/types';

/**
 * The real media path without a server: @livekit/rtc-node's own local tracks (VideoSource → LocalVideoTrack,
 * AudioSource → LocalAudioTrack) are what the stand-in room hands over as subscribed tracks, so the
 * source's default reader (VideoStream / AudioStream) and the livekit pipeline run for real.
 */
describe('livekit: media path (rtc-node local tracks → VideoStream/AudioStream → pipelines/livekit.yaml)', function () {
  this.timeout(40_000);
  let source: LivekitSource | undefined;
  afterEach(async () => { await source?.stop(); source = undefined; });

  it('turns 2 s of camera and microphone into 5 fps JPEGs of the asked size and 2 s of 16 kHz audio', async () => {
    const lk = rtc();
    const W = 322, H = 242; // not a multiple of 8: the planes are repacked to GStreamer's strides
    const video = new lk.VideoSource(W, H);
    const camera = lk.LocalVideoTrack.createVideoTrack('camera', video);
    const audio = new lk.AudioSource(48_000, 1);
    const mic = lk.LocalAudioTrack.createAudioTrack('mic', audio);

    const room = new FakeRoom();
    const alice = room.addExisting('alice');
    room.publish(alice, 'camera', camera as never, { silent: true });
    room.publish(alice, 'microphone', mic as never, { silent: true });

    const frames: Frame[] = [];
    const chunks: AudioChunk[] = [];
    let run: Promise<SessionStats> | undefined;
    let opened!: (s: Session) => void;
    const sessionOpened = new Promise<Session>((r) => { opened = r; });
    source = await startLivekitSource({
      url: 'ws://127.0.0.1:7880', room: 'demo', token: 'a.b.c', createRoom: () => room,
      params: { fps: 5, width: 160, height: 120 },
      onParticipantStream: (streamId, session) => {
        assert.equal(streamId, 'demo:alice');
        run = session.run({ onFrame: (f) => { frames.push(f); }, onAudio: (c) => { chunks.push(c); } });
        opened(session);
      },
    });

    const t0 = Date.now();
    const pcm = new Int16Array(480);
    let sample = 0;
    for (let i = 0; i < 60; i++) {
      const y = new Uint8Array(W * H + 2 * Math.ceil(W / 2) * Math.ceil(H / 2)).fill(128);
      y.fill(30 + i * 3, 0, W * H);
      video.captureFrame(new lk.VideoFrame(y, W, H, lk.VideoBufferType.I420), BigInt(i * 33_333));
      // 1/30 s of a 440 Hz tone in 10 ms frames, as a microphone delivers it.
      for (let k = 0; k < (i % 3 === 2 ? 4 : 3); k++) {
        for (let s = 0; s < 480; s++, sample++) pcm[s] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * sample) / 48_000));
        await audio.captureFrame(new lk.AudioFrame(pcm, 48_000, 1, 480));
      }
      const wait = t0 + ((i + 1) * 1000) / 30 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    assert.equal(sample, 96_000, '2 s of samples captured');
    await new Promise((r) => setTimeout(r, 300)); // the last frames through the FFI and the pipeline
    const session = await sessionOpened;
    room.leave(alice);
    const stats = await run!;

    assert.equal(stats.state, 'ended', 'the stream ends when its participant leaves');
    assert.equal(session.streamId, 'demo:alice');
    assert.ok(Math.abs(frames.length - 10) <= 2, `${frames.length} frames for 2 s at 5 fps`);
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i].ptsUs > frames[i - 1].ptsUs, `pts ${frames[i - 1].ptsUs} then ${frames[i].ptsUs}`);
    for (const f of frames) assert.deepEqual([f.width, f.height], [160, 120]);
    const firstMeta = await sharp(frames[0].jpeg).metadata();
    assert.deepEqual([firstMeta.format, firstMeta.width, firstMeta.height], ['jpeg', 160, 120]);
    // The luma ramp survives the trip: the last frame is brighter than the first.
    const mean = async (f: Frame) => (await sharp(f.jpeg).greyscale().stats()).channels[0].mean;
    assert.ok((await mean(frames.at(-1)!)) > (await mean(frames[0])) + 20, 'later frames are brighter');
    // WebRTC keeps a track's audio flowing (silence) around what was captured: the tone's span is what
    // must last 2 s, with no sample lost or doubled on the way.
    const all = Buffer.concat(chunks.map((c) => c.pcm));
    const loud = (i: number) => Math.abs(all.readInt16LE(i * 2)) > 2000;
    const n = all.length / 2;
    let first = 0;
    while (first < n && !loud(first)) first++;
    let last = n - 1;
    while (last > first && !loud(last)) last--;
    const toneS = (last - first + 1) / 16_000;
    assert.ok(Math.abs(toneS - 2) <= 0.05, `the 2 s tone spans ${toneS} s of the ${n / 16_000} s received`);
    for (let i = 1; i < chunks.length; i++) assert.ok(chunks[i].ptsUs > chunks[i - 1].ptsUs);
    await video.close();
    await audio.close();
  });
});
