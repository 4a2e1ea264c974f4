import assert from 'node:assert/strict';
import { once } from 'node:events';
import jpeg from 'jpeg-js';
import { openAppsrc } from '../../src/ingest';
import type { AudioChunk, Frame } from '../../src/types';

describe('ingest: appsrc sessions (media pushed from JavaScript, e.g. LiveKit)', function () {
  this.timeout(30_000);

  it('turns pushed raw video and PCM into JPEG frames and 16 kHz mono audio, ending at endOfStream', async () => {
    const session = await openAppsrc({
      streamId: 'room-1.alice',
      withAudio: true,
      params: { fps: 5, width: 160, height: 120, in_width: 320, in_height: 240, in_format: 'I420', in_rate: 48000, in_channels: 1 },
    });
    assert.deepEqual(session.pipeline.sinks, ['frames', 'audio']);
    assert.equal(session.push('video', Buffer.alloc(10)), false, 'nothing accepted before the pipeline runs');
    const frames: Frame[] = [];
    const chunks: AudioChunk[] = [];
    const started = once(session, 'started'); // emitted synchronously when run() starts the pipeline
    const run = session.run({ onFrame: (f) => { frames.push(f); }, onAudio: (c) => { chunks.push(c); } });
    await started;

    // 2 s of media pushed at real-time pace, as a LiveKit track delivers it (a burst would be dropped
    // by the live pipeline's leaky queue, by design).
    const frameNs = 1e9 / 30;
    const t0 = Date.now();
    for (let i = 0; i < 60; i++) {
      const buf = Buffer.alloc(320 * 240 * 1.5, 128); // grey I420 whose brightness changes
      buf.fill(40 + i * 3, 0, 320 * 240);
      assert.ok(session.push('video', buf, Math.round(i * frameNs), Math.round(frameNs)));
      if (i % 3 === 0) {
        const k = i / 3; // 100 ms of 48 kHz mono PCM per 3 video frames
        const pcm = Buffer.alloc(4800 * 2);
        for (let s = 0; s < 4800; s++) pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * (k * 4800 + s)) / 48000)), s * 2);
        assert.ok(session.push('audio', pcm, k * 100_000_000, 100_000_000));
      }
      const wait = t0 + ((i + 1) * 1000) / 30 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    session.endOfStream('video');
    session.endOfStream('audio');
    const stats = await run;

    assert.equal(stats.state, 'ended');
    assert.ok(Math.abs(frames.length - 10) <= 1, `${frames.length} frames for 2 s at 5 fps`);
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i].ptsUs > frames[i - 1].ptsUs);
    const img = jpeg.decode(frames[0].jpeg, { useTArray: true });
    assert.equal(img.width, 160);
    assert.equal(img.height, 120);
    assert.equal(frames[0].streamId, 'room-1.alice');
    const audioS = chunks.reduce((n, c) => n + c.pcm.length, 0) / 2 / 16000;
    assert.ok(Math.abs(audioS - 2) < 0.02, `${audioS} s of audio`);
  });

  it('rejects a bad stream id and a bad parameter before anything starts', async () => {
    await assert.rejects(openAppsrc({ streamId: 'has space', withAudio: false }), /bad stream id 'has space'/);
    await assert.rejects(openAppsrc({ streamId: 'ok', withAudio: false, params: { in_format: 'YUY9' } }), /'in_format' must be one of I420/);
  });
});
