import assert from 'node:assert/strict';

import { Pipeline } from '../../src/gst';
import { type RtspServer, startRtspServer } from '../ingest/helpers/rtsp';
import { loopLag } from './helpers/loop-lag';
import { type StallingProxy, stallingProxy } from './helpers/tcp-fixtures';
import { testMedia } from './media';

describe('Pipeline.stop() over a dead network', function () {
  this.timeout(60_000);
  let server: RtspServer;
  let proxy: StallingProxy;

  before(async () => {
    server = await startRtspServer({ file: testMedia().av });
  });
  after(async () => {
    await proxy?.close();
    await server?.kill();
  });

  it('returns to the event loop at once and resolves once the RTSP teardown gave up', async () => {
    proxy = await stallingProxy(server.port);
    // TCP interleaved: the media and the TEARDOWN both cross the proxy. A camera behind a dead link
    // gets the teardown-timeout it would get from a real deployment (rtspsrc's default is 100 ms).
    const p = Pipeline.create(
      `rtspsrc location=rtsp://127.0.0.1:${proxy.port}/stream protocols=tcp latency=100 teardown-timeout=3000000000 ` +
        '! rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! jpegenc ! appsink name=frames sync=false max-buffers=2 drop=true',
    );
    const frames = p.sink('frames');
    p.start();
    let n = 0;
    for await (const _ of frames) if (++n === 5) break;
    proxy.stall();
    await new Promise((r) => setTimeout(r, 200)); // the link is dead now

    const lag = loopLag(10);
    const t0 = performance.now();
    const released = p.stop();
    const returnedMs = performance.now() - t0;
    await released;
    const releasedMs = performance.now() - t0;
    const maxLag = lag.stop();
    assert.equal(p.status, 'stopped');
    assert.ok(maxLag < 100, `event-loop lag during the teardown: ${maxLag.toFixed(1)} ms (teardown took ${releasedMs.toFixed(0)} ms)`);
    assert.ok(released instanceof Promise, 'stop() returns a promise');
    assert.ok(returnedMs < 50, `stop() returned after ${returnedMs.toFixed(1)} ms`);
    // The teardown really waited on the dead link (else this test shows nothing).
    assert.ok(releasedMs > 500, `teardown took only ${releasedMs.toFixed(0)} ms`);
  });
});
