import assert from 'node:assert/strict';

import { VideoAgentError } from '../../src/errors';
import { GstError, discover, toUri } from '../../src/gst';
import { testMedia } from './media';

describe('gst discover()', function () {
  this.timeout(30_000);
  before(() => testMedia());

  it('describes a video+audio file', async () => {
    const info = await discover(testMedia().av, 5000);
    assert.ok(Math.abs(info.durationNs - 10e9) < 0.1e9, `duration ${info.durationNs}`);
    assert.equal(info.seekable, true);
    assert.equal(info.live, false);
    assert.deepEqual(
      { w: info.video?.width, h: info.video?.height, n: info.video?.fpsN, d: info.video?.fpsD },
      { w: 320, h: 240, n: 30, d: 1 },
    );
    assert.match(info.video!.codec, /H\.264/);
    assert.equal(info.audio?.rate, 48000);
    assert.equal(info.audio?.channels, 2);
    assert.match(info.audio!.codec, /AAC/);
    assert.equal(typeof info.tags, 'object');
    assert.ok(Object.values(info.tags).every((v) => typeof v === 'string'));
  });

  it('describes a video-only file with audio: null', async () => {
    const info = await discover(toUri(testMedia().videoOnly), 5000);
    assert.equal(info.audio, null);
    assert.equal(info.video?.width, 320);
    assert.ok(Math.abs(info.durationNs - 3e9) < 0.1e9, `duration ${info.durationNs}`);
  });

  it('rejects a non-media file with E_NOT_MEDIA, classified in C++ from the GError', async () => {
    await assert.rejects(discover(testMedia().notMedia, 5000), (e: unknown) => {
      assert.ok(e instanceof GstError);
      assert.equal(e.code, 'E_NOT_MEDIA');
      assert.equal(e.reason, 'not_media');
      assert.equal(e.domain, 'gst-stream-error-quark');
      assert.equal(typeof e.gstCode, 'number');
      assert.match(e.message, /not-media\.mp4 is not a media file \(.+\)$/);
      return true;
    });
  });

  it('concurrent probes of a truncated file all get the clear error, none hangs to the timeout', async () => {
    const t0 = Date.now();
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled([1, 2, 3].map(() => discover(testMedia().truncated, 15_000)));
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        const e = (r as PromiseRejectedResult).reason as GstError;
        assert.equal(e.code, 'E_CORRUPT_MEDIA', e.message);
        assert.equal(e.reason, 'demux_failed');
        assert.match(e.message, /truncated\.mp4 is truncated or corrupt: This file contains no playable streams/);
      }
    }
    assert.ok(Date.now() - t0 < 12_000, `took ${Date.now() - t0} ms`);
  });

  it('answers from GstDiscoverer\'s cache (use-cache) what a full probe reports about the streams', async () => {
    // Merged container tags (bitrate) may come back from another stream once deserialized: not compared.
    const streams = ({ durationNs, seekable, live, video, audio }: Awaited<ReturnType<typeof discover>>) => ({ durationNs, seekable, live, video, audio });
    const fresh = streams(await discover(testMedia().av, 5000));
    assert.deepEqual(streams(await discover(testMedia().av, 5000, { useCache: true })), fresh);
    assert.deepEqual(streams(await discover(testMedia().av, 5000, { useCache: true })), fresh);
  });

  it('rejects a missing file with E_FILE_NOT_FOUND naming it', async () => {
    await assert.rejects(
      discover(testMedia().missing),
      (e: unknown) => e instanceof GstError && e.code === 'E_FILE_NOT_FOUND' && e.reason === 'not_found' && e.message.includes('does-not-exist.mp4'),
    );
  });

  it('an unreachable RTSP source is E_CONNECT_FAILED (reason unreachable) within the timeout', async () => {
    const t0 = Date.now();
    await assert.rejects(discover('rtsp://127.0.0.1:1/none', 3000), (e: unknown) => {
      assert.ok(e instanceof GstError);
      assert.equal(e.code, 'E_CONNECT_FAILED');
      assert.equal(e.reason, 'unreachable');
      assert.equal(e.kind, 'unreachable');
      assert.match(e.message, /^could not connect to rtsp:\/\/127\.0\.0\.1:1\/none/);
      return true;
    });
    assert.ok(Date.now() - t0 < 6000);
  });

  it('never lets RTSP credentials out: message, detail, debug, source and the native cause are scrubbed', async () => {
    await assert.rejects(discover('rtsp://admin:s3cret@127.0.0.1:1/cam', 3000), (e: unknown) => {
      assert.ok(e instanceof GstError);
      const everything = JSON.stringify({ ...e, message: e.message, cause: { ...(e.cause as object), message: (e.cause as Error).message } });
      assert.ok(!everything.includes('s3cret') && !everything.includes('admin'), everything);
      assert.match(e.message, /rtsp:\/\/127\.0\.0\.1:1\/cam/);
      return true;
    });
  });

  it('validates the timeout before it reaches the addon', async () => {
    await assert.rejects(discover(testMedia().av, 0), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_ARGUMENT');
    await assert.rejects(discover(testMedia().av, Number.NaN), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_ARGUMENT');
  });

  it('runs off the JS thread: timers keep firing during several concurrent probes', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = Date.now();
    const infos = await Promise.all([1, 2, 3].map(() => discover(testMedia().av, 5000)));
    const elapsed = Date.now() - t0;
    clearInterval(timer);
    assert.equal(infos.length, 3);
    // A blocked loop would fire at most once after the probes; a free one fires about every 5 ms.
    assert.ok(ticks >= Math.min(5, Math.floor(elapsed / 20)), `only ${ticks} ticks in ${elapsed} ms`);
  });
});
