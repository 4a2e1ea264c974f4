import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

import { Pipeline, discover } from '../../src/gst';
import { testMedia } from './media';

const RTSP_SERVER = path.resolve(__dirname, '..', 'fixtures', 'rtsp_server.py');

/** Starts the GstRtspServer fixture on a free 127.0.0.1 port serving `file`; resolves its URL. */
function startRtspServer(file: string): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [RTSP_SERVER, '--file', file, '--audio', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`RTSP server did not start: ${err}`)), 15_000);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: `rtsp://127.0.0.1:${m[1]}/stream`, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`RTSP server exited with ${code}: ${err}`)));
  });
}

describe('gst over RTSP (GstRtspServer on 127.0.0.1)', function () {
  this.timeout(30_000);
  let server: { url: string; child: ChildProcess };

  before(async () => {
    server = await startRtspServer(testMedia().av);
  });
  after(() => {
    server?.child.kill('SIGTERM');
  });

  it('discover() reports a live source with its video and audio', async () => {
    const info = await discover(server.url, 5000);
    assert.equal(info.live, true);
    assert.equal(info.video?.width, 320);
    assert.equal(info.video?.height, 240);
    assert.match(info.video!.codec, /H\.264/);
    assert.equal(info.audio?.rate, 48000);
  });

  it('streams JPEG frames from rtspsrc quickly and stops promptly', async () => {
    const p = Pipeline.create(
      `rtspsrc location=${server.url} latency=100 ! rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! jpegenc ` +
        '! appsink name=frames sync=false max-buffers=2 drop=true',
    );
    const frames = p.sink('frames');
    const t0 = Date.now();
    p.start();
    let firstMs = -1;
    let last = -1;
    let n = 0;
    for await (const s of frames) {
      if (firstMs < 0) firstMs = Date.now() - t0;
      assert.ok(s.ptsNs > last, 'pts must increase');
      last = s.ptsNs;
      if (++n === 15) break;
    }
    const t1 = Date.now();
    p.stop();
    const stopMs = Date.now() - t1;
    await p.done;
    assert.equal(n, 15);
    assert.ok(firstMs >= 0 && firstMs < 5000, `first frame after ${firstMs} ms`);
    assert.ok(stopMs < 2000, `stop() took ${stopMs} ms`);
  });
});
