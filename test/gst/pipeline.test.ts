import assert from 'node:assert/strict';

import { GstError, Pipeline, type Sample, discover, loadNative } from '../../src/gst';
import { audioBranch, decodeSource, framesBranch, hasJpegEoi, jpegSize, sleep, testMedia } from './media';

async function collect(iter: AsyncIterable<Sample>, perSampleMs = 0): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const s of iter) {
    out.push(s);
    if (perSampleMs > 0) await sleep(perSampleMs);
  }
  return out;
}

describe('gst Pipeline: decoding files', function () {
  this.timeout(60_000);
  before(() => testMedia());

  it('yields 100±1 JPEG frames at 10 fps with increasing pts, and 10 s of 16 kHz audio, concurrently', async () => {
    const { av } = testMedia();
    const p = Pipeline.create(`${decodeSource(av)} ${framesBranch(10, 160, 120)} ${audioBranch()}`);
    assert.deepEqual([...p.appsinks].sort(), ['audio', 'frames']);
    const frames = p.sink('frames');
    const audio = p.sink('audio');
    p.start();
    const [video, pcm] = await Promise.all([collect(frames), collect(audio)]);
    await p.done;

    assert.ok(Math.abs(video.length - 100) <= 1, `expected 100±1 frames, got ${video.length}`);
    for (let i = 1; i < video.length; i++) assert.ok(video[i].ptsNs > video[i - 1].ptsNs, `pts not increasing at ${i}`);
    for (const f of video) {
      assert.ok(f.caps.startsWith('image/jpeg'), f.caps);
      assert.deepEqual(jpegSize(f.data), { width: 160, height: 120 });
      assert.ok(hasJpegEoi(f.data), 'JPEG without EOI marker');
    }

    const info = await discover(av);
    const totalSamples = pcm.reduce((n, s) => n + s.data.length / 2, 0);
    assert.ok(pcm[0].caps.includes('S16LE') && pcm[0].caps.includes('16000'), pcm[0].caps);
    assert.ok(Math.abs(totalSamples / 16000 - info.durationNs / 1e9) <= 0.05,
      `audio ${totalSamples / 16000}s vs file ${info.durationNs / 1e9}s`);
    assert.equal(p.status, 'eos');
  });

  it('completes a video-only file without an audio branch; EOS comes after every sample', async () => {
    const { videoOnly } = testMedia();
    const p = Pipeline.create(`${decodeSource(videoOnly)} ${framesBranch(10, 160, 120)}`);
    const frames = p.sink('frames');
    let samplesBeforeEnd = -1;
    let eosSeen = false;
    p.on('eos', () => {
      eosSeen = true;
    });
    p.start();
    const got: Sample[] = [];
    for await (const s of frames) got.push(s);
    samplesBeforeEnd = got.length;
    await p.done;
    assert.ok(eosSeen, 'eos event not emitted before the iterator ended');
    assert.ok(Math.abs(samplesBeforeEnd - 30) <= 1, `expected 30±1 frames, got ${samplesBeforeEnd}`);
    assert.ok(got[got.length - 1].ptsNs >= 2.8e9, `last pts ${got[got.length - 1].ptsNs}`);
  });

  it('a slow consumer on a file loses nothing (backpressure, drop=false)', async () => {
    const { videoOnly } = testMedia();
    const launch = `${decodeSource(videoOnly)} ${framesBranch(10, 160, 120, 'max-buffers=2 drop=false')}`;
    const fast = Pipeline.create(launch);
    const fastFrames = fast.sink('frames');
    fast.start();
    const fastCount = (await collect(fastFrames)).length;

    const slow = Pipeline.create(launch);
    const slowFrames = slow.sink('frames');
    slow.start();
    const t0 = Date.now();
    const slowOut = await collect(slowFrames, 50);
    await slow.done;
    assert.ok(Date.now() - t0 >= slowOut.length * 50 * 0.9, 'slow consumer did not actually run slowly');
    assert.equal(slowOut.length, fastCount);
    assert.equal(slowFrames.dropped, 0);
  });

  it('a slow consumer on a live source drops frames (drop=true) and counts them', async () => {
    const p = Pipeline.create(
      'videotestsrc is-live=true ! video/x-raw,framerate=30/1,width=160,height=120 ! jpegenc ! appsink name=frames drop=true max-buffers=2 sync=false',
    );
    const frames = p.sink('frames');
    p.start();
    const t0 = Date.now();
    let n = 0;
    for await (const _ of frames) {
      n++;
      await sleep(100);
      if (Date.now() - t0 > 1500) break;
    }
    const dropped = frames.dropped;
    p.stop();
    await p.done;
    assert.ok(n >= 5 && n <= 20, `consumed ${n}`);
    assert.ok(dropped > 0, 'no drops counted');
    // ~30 fps for ~1.6 s: what was consumed plus what was dropped accounts for most produced frames.
    assert.ok(n + dropped >= 30, `consumed ${n} + dropped ${dropped} is too few for 1.5 s at 30 fps`);
  });

  it('a leaky queue in front of a blocked appsink drops and counts what it discards', async () => {
    const p = Pipeline.create(
      'videotestsrc is-live=true ! video/x-raw,framerate=30/1,width=160,height=120 ! queue name=q leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ' +
        '! jpegenc ! appsink name=frames sync=false max-buffers=1 drop=false',
    );
    const frames = p.sink('frames');
    p.start();
    let n = 0;
    for await (const _ of frames) {
      await sleep(100);
      if (++n === 8) break;
    }
    p.stop();
    const drops = p.queueDrops();
    assert.deepEqual(Object.keys(drops), ['q']);
    assert.ok(drops.q >= 10, `queue q dropped ${drops.q} in ~0.8 s at 30 fps with a 10 fps consumer`);
    assert.equal(frames.dropped, 0, 'a drop=false appsink never drops');
  });

  it('backpressure: a stalled consumer holds the pipeline at what it consumed (nothing is pulled ahead into JS)', async () => {
    const { av } = testMedia();
    const p = Pipeline.create(`${decodeSource(av)} ${framesBranch(10, 160, 120, 'max-buffers=2 drop=false')}`);
    const frames = p.sink('frames');
    p.start();
    for (let i = 0; i < 5; i++) assert.equal((await frames.next()).done, false);
    await sleep(1500); // decoding all 10 s takes well under 1.5 s when nothing holds it back
    const position = p.position();
    p.stop();
    // The sink's position is the last sample it queued: 5 consumed + max-buffers 2 + the one it blocks on.
    // A wrapper that pulled eagerly into JS would have let the whole 10 s file through by now.
    assert.ok(position >= 0.5e9 && position <= 1.0e9, `the sink ran ahead to ${position / 1e9} s`);
  });

  it('reports position and duration in ns while playing', async () => {
    const { av } = testMedia();
    const p = Pipeline.create(`${decodeSource(av)} ${framesBranch(10, 160, 120, 'max-buffers=2')}`);
    const frames = p.sink('frames');
    p.start();
    let duration = -1;
    let position = -1;
    let i = 0;
    for await (const _ of frames) {
      if (++i === 20) {
        duration = p.duration();
        position = p.position();
      }
    }
    assert.ok(Math.abs(duration - 10e9) < 0.1e9, `duration ${duration}`);
    assert.ok(position > 0 && position < duration, `position ${position}`);
    assert.equal(p.duration(), -1, 'stopped pipelines report -1');
  });
});

describe('gst Pipeline: errors', function () {
  this.timeout(30_000);
  before(() => testMedia());

  it('an unknown element is a GstError E_BAD_PIPELINE naming it', () => {
    assert.throws(
      () => Pipeline.create('videotestsrc ! nosuchelement ! fakesink'),
      (e: unknown) => e instanceof GstError && e.code === 'E_BAD_PIPELINE' && /nosuchelement/.test(e.message),
    );
  });

  it('a bad property is a GstError E_BAD_PIPELINE naming property and element', () => {
    assert.throws(
      () => Pipeline.create('videotestsrc bogus-prop=3 ! fakesink'),
      (e: unknown) => e instanceof GstError && e.code === 'E_BAD_PIPELINE' && /bogus-prop/.test(e.message) && /videotestsrc/.test(e.message),
    );
  });

  it('a missing file fails with the element path: error event, done rejects, iterator throws', async () => {
    const { missing } = testMedia();
    const p = Pipeline.create(`filesrc location=${missing} ! qtdemux ! decodebin ! videoconvert ! jpegenc ! appsink name=frames sync=false`);
    const frames = p.sink('frames');
    const events: GstError[] = [];
    p.on('error', (e) => events.push(e));
    p.start();
    await assert.rejects(collect(frames), (e: unknown) => e instanceof GstError && /^\/GstPipeline:pipeline\d+\/GstFileSrc:filesrc\d+$/.test(e.source));
    await assert.rejects(p.done, (e: unknown) => e instanceof GstError && e.code === 'E_NOT_FOUND' && e.reason === 'not_found');
    assert.equal(events.length, 1);
    assert.equal(events[0].domain, 'gst-resource-error-quark');
    assert.match(events[0].debug, /does-not-exist\.mp4/, 'GStreamer\'s debug string is kept (not user-facing)');
    assert.match(events[0].message, /^GStreamer pipeline: not found \(filesrc\d+: .+\)$/);
    assert.equal(p.status, 'failed');
  });

  it('unknown sink/src names and claims after start are usage errors', () => {
    const p = Pipeline.create('videotestsrc num-buffers=1 ! appsink name=frames');
    assert.throws(() => p.sink('nope'), /no appsink named "nope" \(appsinks: frames\)/);
    assert.throws(() => p.push('in', Buffer.alloc(1)), /no appsrc named "in"/);
    p.start();
    assert.throws(() => p.sink('frames'), /before start/);
    p.stop();
    assert.throws(() => p.start(), /single-use/);
  });

  it('an error in one pipeline does not disturb another one running beside it', async () => {
    const { videoOnly, missing } = testMedia();
    const good = Pipeline.create(`${decodeSource(videoOnly)} ${framesBranch(10, 80, 60)}`);
    const bad = Pipeline.create(`filesrc location=${missing} ! decodebin ! fakesink`);
    const frames = good.sink('frames');
    good.start();
    bad.start();
    const [count, badResult] = await Promise.all([collect(frames).then((f) => f.length), bad.done.then(() => 'ok', (e: Error) => e)]);
    assert.ok(badResult instanceof GstError);
    assert.ok(Math.abs(count - 30) <= 1, `good pipeline produced ${count}`);
  });
});

describe('gst Pipeline: appsrc and lifecycle', function () {
  this.timeout(30_000);

  it('round-trips raw buffers (bytes and pts) through appsrc → appsink', async () => {
    const p = Pipeline.create(
      'appsrc name=in format=time caps=video/x-raw,format=RGB,width=4,height=4,framerate=10/1 ! queue ! appsink name=out sync=false',
    );
    assert.deepEqual(p.appsrcs, ['in']);
    const out = p.sink('out');
    p.start();
    const sent: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      const buf = Buffer.alloc(4 * 4 * 3, i * 40 + 1);
      sent.push(buf);
      assert.equal(p.push('in', buf, i * 100_000_000, 100_000_000), true);
    }
    p.endOfStream('in');
    const got = await collect(out);
    await p.done;
    assert.equal(got.length, 5);
    got.forEach((s, i) => {
      assert.ok(s.data.equals(sent[i]), `buffer ${i} differs`);
      assert.equal(s.ptsNs, i * 100_000_000);
      assert.equal(s.durationNs, 100_000_000);
      assert.match(s.caps, /^video\/x-raw, format=\(string\)RGB, width=\(int\)4, height=\(int\)4/);
    });
    assert.equal(p.push('in', Buffer.alloc(48)), false, 'push after the pipeline finished');
  });

  it('pushWhenReady keeps a fast JS producer within the appsrc limits; nothing is lost', async () => {
    const p = Pipeline.create(
      'appsrc name=in format=time max-buffers=4 max-bytes=0 caps=video/x-raw,format=GRAY8,width=4,height=4,framerate=100/1 ! appsink name=out sync=false max-buffers=1',
    );
    const out = p.sink('out');
    p.start();
    let maxBacklog = 0;
    const producer = (async () => {
      for (let i = 0; i < 40; i++) {
        assert.equal(await p.pushWhenReady('in', Buffer.alloc(16, i), i * 10_000_000), true);
        maxBacklog = Math.max(maxBacklog, p.srcBacklog('in').buffers);
      }
      p.endOfStream('in');
    })();
    const got = await collect(out, 5);
    await producer;
    assert.equal(got.length, 40);
    assert.deepEqual(got.map((s) => s.data[0]), [...Array(40).keys()]);
    assert.ok(maxBacklog <= 5, `appsrc backlog reached ${maxBacklog} buffers (max-buffers=4)`);

    const q = Pipeline.create('appsrc name=in max-buffers=2 caps=video/x-raw,format=GRAY8,width=4,height=4,framerate=1/1 ! fakesink');
    for (let i = 0; i < 5; i++) q.push('in', Buffer.alloc(16)); // not started: everything stays queued
    assert.deepEqual(q.srcBacklog('in'), { bytes: 80, buffers: 5, full: true });
    q.stop();
  });

  it('decodes JPEG buffers pushed through appsrc and re-encodes them at another size', async () => {
    // Produce a few real JPEGs first, then feed them back through appsrc.
    const src = Pipeline.create('videotestsrc num-buffers=3 ! video/x-raw,width=64,height=48 ! jpegenc ! appsink name=j sync=false');
    const jpegs = src.sink('j');
    src.start();
    const inputs = (await collect(jpegs)).map((s) => s.data);
    assert.equal(inputs.length, 3);

    const p = Pipeline.create(
      'appsrc name=in format=time caps=image/jpeg,width=64,height=48,framerate=0/1 ! jpegdec ! videoconvert ! videoscale ! video/x-raw,width=32,height=24 ! jpegenc ! appsink name=out sync=false',
    );
    const out = p.sink('out');
    p.start();
    inputs.forEach((b, i) => p.push('in', b, i * 1e9));
    p.endOfStream('in');
    const got = await collect(out);
    assert.equal(got.length, 3);
    for (const s of got) assert.deepEqual(jpegSize(s.data), { width: 32, height: 24 });
    assert.deepEqual(got.map((s) => s.ptsNs), [0, 1e9, 2e9]);
  });

  it('a pipeline without appsinks (file export) resolves done at EOS and releases its threads', async () => {
    const out = `${testMedia().dir}/export.mkv`;
    const p = Pipeline.create(
      `videotestsrc num-buffers=20 ! video/x-raw,width=64,height=48,framerate=10/1 ! x264enc speed-preset=ultrafast ! h264parse ! matroskamux ! filesink location=${out}`,
    );
    p.start();
    await p.done;
    assert.equal(p.status, 'eos');
    const info = await discover(out, 5000);
    assert.ok(Math.abs(info.durationNs - 2e9) < 0.15e9, `exported ${info.durationNs} ns`);
  });

  it('push() refuses a time that is not a finite number of ns >= 0, before it crosses into C++', () => {
    const p = Pipeline.create('appsrc name=in ! fakesink');
    try {
      for (const bad of [Number.POSITIVE_INFINITY, Number.NaN, -1, -5, 2 ** 64]) {
        assert.throws(() => p.push('in', Buffer.alloc(1), bad), (e: { code?: string }) => e.code === 'E_BAD_ARGUMENT', `pts ${bad}`);
        assert.throws(() => p.push('in', Buffer.alloc(1), 0, bad), (e: { code?: string }) => e.code === 'E_BAD_ARGUMENT', `duration ${bad}`);
      }
      assert.equal(p.push('in', Buffer.alloc(1), 0, 1000), true, 'valid times are accepted');
    } finally {
      void p.stop();
    }
  });

  it('the addon itself rejects such times (a caller that skipped src/gst)', () => {
    const p = new (loadNative().NativePipeline)('appsrc name=in ! fakesink', () => undefined, () => undefined);
    try {
      for (const bad of [Number.POSITIVE_INFINITY, Number.NaN, -5, 2 ** 64]) {
        assert.throws(() => p.push('in', Buffer.alloc(1), bad, -1), RangeError, `pts ${bad}`);
        assert.throws(() => p.push('in', Buffer.alloc(1), -1, bad), RangeError, `duration ${bad}`);
      }
      assert.equal(p.push('in', Buffer.alloc(1), -1, -1), true, '-1 means none');
    } finally {
      void p.stop();
    }
  });

  it('drain() sends EOS into a live pipeline: the muxer finalises its file, done resolves at EOS', async () => {
    const out = `${testMedia().dir}/drained.mp4`;
    const p = Pipeline.create(
      `videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=10/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! h264parse ! mp4mux ! filesink location=${out}`,
    );
    assert.equal(await p.drain(1000), false, 'not started: nothing to drain');
    p.start();
    await sleep(1500);
    const t0 = Date.now();
    const drained = p.drain(3000);
    assert.equal(p.drain(3000), drained, 'every call returns the same promise');
    assert.equal(await drained, true);
    assert.ok(Date.now() - t0 < 1500, `EOS took ${Date.now() - t0} ms`);
    assert.equal(p.status, 'eos');
    await p.done;
    await p.stop();
    const info = await discover(out, 5000);
    assert.ok(info.durationNs > 1e9, `finalised with ${info.durationNs} ns`);
  });

  it('drain() does not wait for a consumer that stopped pulling: the EOS passes the appsink, its queued samples stay readable', async () => {
    // An appsink holds EOS back until its queue is pulled empty (wait-on-eos); a stopped consumer would
    // make every graceful stop wait out its bound (and a recording lose its last segment).
    const p = Pipeline.create('videotestsrc is-live=true ! video/x-raw,width=32,height=24,framerate=30/1 ! appsink name=frames sync=false max-buffers=4 drop=true');
    const frames = p.sink('frames');
    p.start();
    await sleep(300);
    const t0 = Date.now();
    assert.equal(await p.drain(3000), true);
    assert.ok(Date.now() - t0 < 1500, `EOS took ${Date.now() - t0} ms`);
    assert.equal(p.status, 'eos');
    let n = 0;
    for await (const _ of frames) n++;
    assert.ok(n >= 1 && n <= 4, `${n} queued samples read after EOS`);
    await p.stop();
    assert.equal(typeof loadNative().NativePipeline.prototype.sendEos, 'function');
  });

  it('stop() is idempotent, ends iterators and resolves done; the state events arrive', async () => {
    const p = Pipeline.create('videotestsrc is-live=true ! video/x-raw,width=64,height=48 ! appsink name=frames sync=false max-buffers=2 drop=true');
    const states: string[] = [];
    const playing = new Promise<void>((resolve) =>
      p.on('state', (s) => {
        states.push(s.current);
        if (s.current === 'PLAYING') resolve();
      }),
    );
    const frames = p.sink('frames');
    p.start();
    await playing;
    const first = await frames.next();
    assert.equal(first.done, false);
    const pending = frames.next().then(() => frames.next());
    const released = p.stop();
    assert.equal(p.stop(), released, 'every call returns the same promise');
    assert.equal(p.position(), -1, 'a stopping pipeline reports no position');
    await released;
    const last = await pending;
    assert.equal(last.done, true);
    await p.done;
    assert.equal(p.status, 'stopped');
    assert.deepEqual(states.slice(0, 3), ['READY', 'PAUSED', 'PLAYING']);
  });

  it('samples still queued at EOS (wait-on-eos=false) are all delivered after the eos event', async () => {
    const p = Pipeline.create('videotestsrc num-buffers=20 ! video/x-raw,width=32,height=24 ! appsink name=frames sync=false max-buffers=50 wait-on-eos=false');
    const frames = p.sink('frames');
    let deliveredAtEos = -1;
    p.on('eos', () => {
      deliveredAtEos = frames.count;
    });
    p.start();
    const got = await collect(frames, 20);
    await p.done;
    assert.equal(got.length, 20);
    assert.ok(deliveredAtEos >= 0 && deliveredAtEos < 20, `eos came after ${deliveredAtEos} deliveries`);
    assert.deepEqual(got.map((s) => s.ptsNs), [...Array(20).keys()].map((i) => Math.floor((i * 1e9) / 30)));
  });

  it('an unclaimed appsink never stalls the pipeline', async () => {
    const { av } = testMedia();
    const p = Pipeline.create(`${decodeSource(av)} ${framesBranch(5, 80, 60, 'max-buffers=1')} ${audioBranch()}`);
    const audio = p.sink('audio'); // frames is never claimed
    p.start();
    const pcm = await collect(audio);
    await p.done;
    assert.ok(pcm.length > 0);
  });

  it('breaking out of one sink releases it so the other sink runs to EOS', async () => {
    const { av } = testMedia();
    const p = Pipeline.create(`${decodeSource(av)} ${framesBranch(10, 80, 60, 'max-buffers=1')} ${audioBranch()}`);
    const frames = p.sink('frames');
    const audio = p.sink('audio');
    p.start();
    const firstFrames = (async () => {
      let n = 0;
      for await (const _ of frames) if (++n === 3) break;
      return n;
    })();
    const [n, pcm] = await Promise.all([firstFrames, collect(audio)]);
    await p.done;
    assert.equal(n, 3);
    assert.ok(pcm.reduce((a, s) => a + s.data.length, 0) / 2 / 16000 > 9.9);
  });
});
