import assert from 'node:assert/strict';

import { Pipeline, type Sample } from '../../src/gst';
import { VideoAgentError } from '../../src/errors';
import { decodeSource, jpegSize, testMedia } from './media';

async function collect(iter: AsyncIterable<Sample>): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const s of iter) out.push(s);
  return out;
}

/** Decoded video as small JPEGs into `frames`, audio as S16LE into `audio` (caps filters: each pad finds its branch). */
function decodeBoth(file: string): string {
  return `${decodeSource(file)} ` +
    'd. ! video/x-raw ! queue ! videoconvert ! videoscale ! video/x-raw,width=160,height=120 ! jpegenc ! appsink name=frames sync=false max-buffers=8 ' +
    'd. ! audio/x-raw ! queue ! audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! appsink name=audio sync=false max-buffers=32';
}

describe('gst Pipeline: seek', function () {
  this.timeout(60_000);
  before(() => testMedia());

  it('an accurate seek to [2 s, 3 s] yields frames from pts 2 s and EOS after 1 s of video and audio', async () => {
    const p = Pipeline.create(decodeBoth(testMedia().av));
    const frames = p.sink('frames');
    const audio = p.sink('audio');
    await p.pauseAndPreroll(10_000);
    assert.equal(p.seek(2e9, 3e9, 'accurate'), true);
    p.start();
    const [video, pcm] = await Promise.all([collect(frames), collect(audio)]);
    await p.done;
    assert.equal(p.status, 'eos');

    const first = video[0].ptsNs / 1e9;
    const last = video[video.length - 1];
    const end = (last.ptsNs + last.durationNs) / 1e9;
    assert.ok(Math.abs(first - 2) <= 0.04, `first frame at ${first} s`);
    assert.ok(Math.abs(end - 3) <= 0.04, `last frame ends at ${end} s`);
    assert.ok(Math.abs(video.length - 30) <= 1, `expected 30±1 frames at 30 fps, got ${video.length}`);
    assert.deepEqual(jpegSize(video[0].data), { width: 160, height: 120 });

    const audioS = pcm.reduce((n, s) => n + s.data.length / 4, 0) / 48_000;
    assert.ok(Math.abs(pcm[0].ptsNs / 1e9 - 2) <= 0.03, `first audio at ${pcm[0].ptsNs / 1e9} s`);
    assert.ok(Math.abs(audioS - 1) <= 0.05, `audio lasted ${audioS} s`);
  });

  it('a key-unit seek starts at the key frame at or before the start (this file has one only at 0)', async () => {
    const p = Pipeline.create(decodeBoth(testMedia().av));
    const frames = p.sink('frames');
    await p.pauseAndPreroll(10_000);
    assert.equal(p.seek(2e9, 3e9, 'key-unit'), true);
    p.start();
    const video = await collect(frames);
    await p.done;
    assert.ok(video[0].ptsNs <= 2e9, `first frame at ${video[0].ptsNs / 1e9} s`);
    const last = video[video.length - 1];
    assert.ok(Math.abs((last.ptsNs + last.durationNs) / 1e9 - 3) <= 0.04, `ends at ${(last.ptsNs + last.durationNs) / 1e9} s`);
  });

  it('seeks from a named element (upstream of a muxer), and refuses a name the pipeline lacks', async () => {
    const p = Pipeline.create(`filesrc location=${testMedia().av} ! qtdemux name=demux demux.video_0 ! queue ! h264parse ! appsink name=k sync=false max-buffers=4`);
    const k = p.sink('k');
    await p.pauseAndPreroll(10_000);
    assert.throws(() => p.seek(2e9, 3e9, 'accurate', 'nosuch'), (e: unknown) => e instanceof VideoAgentError && /no element named nosuch/.test(e.message));
    assert.equal(p.seek(2e9, 3e9, 'key-unit', 'demux'), true);
    p.start();
    const got = await collect(k);
    await p.done;
    const last = got[got.length - 1];
    assert.ok(got[0].ptsNs <= 2e9 && (last.ptsNs + last.durationNs) / 1e9 <= 3.04, `${got[0].ptsNs}..${last.ptsNs}`);
  });

  it('refuses a bad range in TypeScript before it crosses, and the addon refuses NaN itself', async () => {
    const p = Pipeline.create(decodeBoth(testMedia().av));
    const bad: Array<[number, number]> = [[Number.NaN, 1e9], [-1, 1e9], [2e9, 2e9], [3e9, 1e9], [0, Number.POSITIVE_INFINITY]];
    for (const [start, stop] of bad) {
      assert.throws(() => p.seek(start, stop, 'accurate'), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_ARGUMENT', `${start}..${stop}`);
    }
    assert.throws(() => p.seek(0, -1, 'nearest' as 'accurate'), /flags/);
    const native = (p as unknown as { native: { seek(a: number, b: number, f: string): boolean } }).native;
    assert.throws(() => native.seek(Number.NaN, -1, 'accurate'), RangeError);
    assert.throws(() => native.seek(0, Number.POSITIVE_INFINITY, 'accurate'), RangeError);
    assert.throws(() => native.seek(0, -1, 'nearest'), TypeError);
    await p.stop();
    assert.equal(p.seek(0, -1, 'accurate'), false);
  });
});
