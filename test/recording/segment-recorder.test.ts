import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SegmentRecorder, readIndex } from '../../src/recording';

/** Two playable 1 s MP4 segments and a truncated one (what a pipeline stopped without EOS leaves). */
function makeSegments(dir: string): { a: string; b: string; torn: string } {
  const a = path.join(dir, 'a.mp4');
  const b = path.join(dir, 'b.mp4');
  for (const f of [a, b]) {
    execFileSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=25', '!', 'video/x-raw,width=160,height=120,framerate=25/1', '!', 'x264enc', '!', 'h264parse', '!', 'mp4mux', '!', 'filesink', `location=${f}`], { stdio: 'ignore', timeout: 30_000 });
  }
  const torn = path.join(dir, 'torn.mp4');
  fs.writeFileSync(torn, fs.readFileSync(a).subarray(0, 2000));
  return { a, b, torn };
}

describe('recording: SegmentRecorder (files placed by hand)', function () {
  this.timeout(60_000);
  let tmp: string;
  let media: ReturnType<typeof makeSegments>;
  let dir: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'video-agent-recorder-'));
    media = makeSegments(tmp);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(tmp, 'stream-'));
  });
  const writing = (name: string) => path.join(dir, '.writing', name);
  const recorder = () => new SegmentRecorder({ streamId: 's', dir, clockStartMs: 1_000_000, maxAgeS: 86_400, maxBytes: 1024 ** 3, pollMs: 60_000 });

  it('indexes closed files in order from the first frame, leaves the newest open, drops an unplayable tail', async () => {
    const rec = recorder();
    const session = new EventEmitter();
    rec.attach(session);
    session.emit('started');
    session.emit('frame', { ptsUs: 5_000_000 });
    session.emit('frame', { ptsUs: 5_200_000 });
    fs.copyFileSync(media.a, writing('0000000000.mp4'));
    fs.copyFileSync(media.b, writing('0000000001.mp4'));
    fs.copyFileSync(media.torn, writing('0000000002.mp4'));
    session.emit('reconnecting', { attempt: 1 });
    // The next connection writes at once into a fresh folder, numbering from 0 again.
    session.emit('started');
    fs.copyFileSync(media.torn, writing('0000000000.mp4'));
    session.emit('frame', { ptsUs: 9_000_000 });
    await rec.idle();
    const index = await readIndex(dir);
    assert.deepEqual(index.map((e) => [e.file, e.startUs, e.durationUs]), [['0000000000.mp4', 5_000_000, 1_000_000], ['0000000001.mp4', 6_000_000, 1_000_000]]);
    assert.equal(index[0].wallMs, 1_005_000);
    assert.ok(fs.existsSync(writing('0000000000.mp4')), 'the new connection\'s open file is untouched');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.writing', '0000000000.mp4', '0000000001.mp4', 'index.jsonl'], 'the torn tail went, the closing folder too');
    await rec.stop();
  });

  it('a connection that failed before writing anything leaves the next connection\'s file alone', async () => {
    const rec = recorder();
    const session = new EventEmitter();
    rec.attach(session);
    session.emit('started');
    session.emit('reconnecting', { attempt: 1 });
    session.emit('started');
    fs.copyFileSync(media.torn, writing('0000000000.mp4'));
    await rec.idle();
    assert.ok(fs.existsSync(writing('0000000000.mp4')));
    assert.deepEqual(await readIndex(dir), []);
    rec.connectionEnded();
    await rec.stop();
  });

  it('files a crashed run left behind are kept when playable (numbered, not indexed), deleted when not', async () => {
    fs.mkdirSync(path.join(dir, '.writing'));
    fs.copyFileSync(media.a, writing('0000000000.mp4'));
    fs.copyFileSync(media.torn, writing('0000000001.mp4'));
    fs.copyFileSync(media.b, path.join(dir, '0000000007.mp4'));
    const rec = recorder();
    await rec.idle();
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.writing', '0000000007.mp4', '0000000008.mp4']);
    assert.deepEqual(fs.readdirSync(path.join(dir, '.writing')), []);
    assert.deepEqual(await readIndex(dir), []);
    await rec.stop();
  });
});
