import assert from 'node:assert/strict';

import { VideoAgentError } from '../../src/errors';
import { discover, toUri } from '../../src/gst';
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

  it('rejects a non-media file with a clear E_DISCOVER error', async () => {
    await assert.rejects(discover(testMedia().notMedia, 5000), (e: unknown) => {
      assert.ok(e instanceof VideoAgentError);
      assert.equal(e.code, 'E_DISCOVER');
      assert.match(e.message, /not-media\.mp4/);
      assert.match(e.message, /text file|could not determine type|missing/i);
      return true;
    });
  });

  it('concurrent probes of a truncated file all get the clear error, none hangs to the timeout', async () => {
    const t0 = Date.now();
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled([1, 2, 3].map(() => discover(testMedia().truncated, 15_000)));
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        const e = (r as PromiseRejectedResult).reason as VideoAgentError;
        assert.equal(e.code, 'E_DISCOVER');
        assert.match(e.message, /truncated\.mp4: This file contains no playable streams/);
      }
    }
    assert.ok(Date.now() - t0 < 12_000, `took ${Date.now() - t0} ms`);
  });

  it('rejects a missing file with E_FILE_NOT_FOUND naming it', async () => {
    await assert.rejects(
      discover(testMedia().missing),
      (e: unknown) => e instanceof VideoAgentError && e.code === 'E_FILE_NOT_FOUND' && e.message.includes('does-not-exist.mp4'),
    );
  });

  it('an unreachable RTSP source fails with GStreamer\'s message within the timeout', async () => {
    const t0 = Date.now();
    await assert.rejects(discover('rtsp://127.0.0.1:1/none', 3000), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_DISCOVER');
    assert.ok(Date.now() - t0 < 6000);
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
