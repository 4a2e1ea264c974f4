import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoAgentError } from '../../src/errors';
import { MediaClock, backoffDelayMs, defaultStreamId, isValidStreamId, resolveSource } from '../../src/ingest';
import { Registry } from 'prom-client';
import { registerIngestMetrics } from '../../src/ingest';
import { capsInt } from '../../src/ingest/caps';
import { mergeIterators } from '../../src/ingest/merge-sinks';

describe('ingest building blocks', () => {
  describe('backoff', () => {
    it('grows exponentially, is capped, and jitters within the configured share', () => {
      const opts = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 };
      assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelayMs(a, opts, () => 1)), [100, 200, 400, 800, 1000, 1000]);
      assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelayMs(a, opts, () => 0)), [50, 100, 200, 400, 500, 500]);
      const samples = Array.from({ length: 200 }, () => backoffDelayMs(3, opts));
      assert.ok(samples.every((d) => d >= 400 && d <= 800));
      assert.ok(new Set(samples).size > 10, 'jittered');
    });
  });

  describe('sources and stream ids', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-src-'));
    const file = path.join(dir, 'a.mp4');
    fs.writeFileSync(file, 'x');
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('gives the same short id for the same file however it is named, and different ids for different sources', () => {
      const a = defaultStreamId(resolveSource(file));
      assert.match(a, /^[0-9a-f]{12}$/);
      assert.equal(defaultStreamId(resolveSource('a.mp4', dir)), a);
      assert.equal(defaultStreamId(resolveSource(`file://${file}`)), a);
      assert.notEqual(defaultStreamId(resolveSource('rtsp://127.0.0.1:8554/x')), a);
    });

    it('keeps credentials out of RTSP ids and display strings', () => {
      const withCreds = resolveSource('rtsp://admin:s3cret@10.0.0.5:554/live');
      assert.equal(withCreds.kind, 'rtsp');
      assert.ok(!withCreds.display.includes('s3cret'));
      assert.equal(defaultStreamId(withCreds), defaultStreamId(resolveSource('rtsp://10.0.0.5:554/live')));
      assert.equal(withCreds.kind === 'rtsp' && withCreds.host, '10.0.0.5:554');
      assert.equal(withCreds.uri, 'rtsp://admin:s3cret@10.0.0.5:554/live', 'GStreamer still gets the credentials');
    });

    it('rejects missing files, directories, empty files and unsupported schemes with one clear line', () => {
      const cases: [string, RegExp, string][] = [
        [path.join(dir, 'missing.mp4'), /file not found: .*missing\.mp4/, 'E_FILE_NOT_FOUND'],
        [dir, /is a directory/, 'E_BAD_SOURCE'],
        ['ftp://x/y.mp4', /unsupported source scheme 'ftp:\/\/'/, 'E_BAD_SOURCE'],
        ['', /no source given/, 'E_BAD_SOURCE'],
      ];
      fs.writeFileSync(path.join(dir, 'empty.mp4'), '');
      cases.push([path.join(dir, 'empty.mp4'), /is empty, not a media file/, 'E_NOT_MEDIA']);
      for (const [input, msg, code] of cases) {
        assert.throws(() => resolveSource(input), (err: unknown) => err instanceof VideoAgentError && err.code === code && msg.test(err.message));
      }
    });

    it('accepts only safe stream ids', () => {
      assert.ok(isValidStreamId('cam-1.lobby:main'));
      for (const bad of ['', 'a b', 'x{y}', 'a/b', 'x'.repeat(129)]) assert.ok(!isValidStreamId(bad), bad);
    });
  });

  describe('media clock', () => {
    it('keeps file timestamps and maps them to wall clock', () => {
      const c = new MediaClock(false, 1_000_000);
      assert.deepEqual(c.map('frame', 100_000_000, 100_000_000), { ptsUs: 100_000, ts: 1_000_100 });
      assert.deepEqual(c.map('frame', 200_000_000, 100_000_000), { ptsUs: 200_000, ts: 1_000_200 });
      assert.equal(c.positionUs, 300_000);
    });

    it('rebases each live connection after the last pts so pts stay strictly monotonic across reconnects', () => {
      let now = 0;
      const c = new MediaClock(true, 0, () => now);
      c.newConnection();
      const first = [5e9, 5.2e9, 5.4e9].map((p) => c.map('frame', p, 0.2e9).ptsUs);
      assert.deepEqual(first, [0, 200_000, 400_000]);
      now = 100; // reconnected quickly: wall time elapsed (100 ms) is behind the last pts
      c.newConnection();
      const second = [1e9, 1.2e9].map((p) => c.map('frame', p, 0.2e9).ptsUs);
      assert.deepEqual(second, [600_000, 800_000]);
      now = 60_000; // a long outage: pts jump with the wall clock so ts stays true
      c.newConnection();
      assert.equal(c.map('frame', 3e9, 0.2e9).ptsUs, 60_000_000);
    });

    it('a live connection starts at the wall time of its first sample, not of its connect', () => {
      let now = 1000;
      const c = new MediaClock(true, 1000, () => now);
      c.newConnection();
      now = 4000; // the camera took 3 s to send its first frame
      assert.deepEqual(c.map('frame', 7e9, 0.2e9), { ptsUs: 3_000_000, ts: 4000 });
    });

    it('never goes backwards per kind, even with missing or repeated timestamps', () => {
      const c = new MediaClock(false, 0);
      const pts = [0, 100, 100, -1, 50].map((ms) => c.map('audio', ms < 0 ? -1 : ms * 1e6, 0).ptsUs);
      for (let i = 1; i < pts.length; i++) assert.ok(pts[i] > pts[i - 1], `${pts}`);
    });
  });

  describe('mergeIterators', () => {
    async function* gen(name: string, n: number, delayMs: number, pulled: string[]) {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setTimeout(r, delayMs));
        pulled.push(`${name}${i}`);
        yield i;
      }
    }

    it('interleaves every item from all sources and pulls each source only when asked', async () => {
      const pulled: string[] = [];
      const got: string[] = [];
      const merged = mergeIterators([{ name: 'a', iterable: gen('a', 5, 1, pulled) }, { name: 'b', iterable: gen('b', 3, 2, pulled) }], new AbortController().signal);
      for await (const { name, value } of merged) {
        got.push(`${name}${value}`);
        // At most one item per source is pulled ahead of the consumer: that is the backpressure.
        assert.ok(pulled.length <= got.length + 2, `pulled ${pulled.length} for ${got.length} consumed`);
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.deepEqual(got.filter((x) => x.startsWith('a')), ['a0', 'a1', 'a2', 'a3', 'a4']);
      assert.deepEqual(got.filter((x) => x.startsWith('b')), ['b0', 'b1', 'b2']);
    });

    it('ends with the abort reason, and with a source error', async () => {
      const ac = new AbortController();
      const never = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<number>>(() => undefined) }) };
      setTimeout(() => ac.abort(new Error('stalled')), 20);
      await assert.rejects(async () => { for await (const _ of mergeIterators([{ name: 'x', iterable: never }], ac.signal)) { /* none */ } }, /stalled/);
      async function* failing() { yield 1; throw new Error('decoder broke'); }
      await assert.rejects(async () => { for await (const _ of mergeIterators([{ name: 'f', iterable: failing() }], new AbortController().signal)) { /* drain */ } }, /decoder broke/);
    });
  });

  it('reads integer caps fields', () => {
    assert.equal(capsInt('image/jpeg, width=(int)320, height=(int)240', 'width'), 320);
    assert.equal(capsInt('audio/x-raw, rate=16000, channels=1', 'rate'), 16000);
    assert.equal(capsInt('image/jpeg', 'height'), undefined);
  });
});

describe('ingest metrics', () => {
  it('exposes per-session counters read at scrape time', async () => {
    const registry = new Registry();
    const stats = [{ streamId: 'cam-1', source: 'x', state: 'running' as const, frames: 42, audioSeconds: 1.5, dropped: 3, queueDropped: 7, reconnects: 2, positionUs: 0, durationUs: 0, lagMs: 80, startedAt: 0, firstFrameAt: null, endedAt: null }];
    registerIngestMetrics(() => stats, registry);
    const text = await registry.metrics();
    assert.match(text, /video_agent_ingest_frames\{stream_id="cam-1"\} 42/);
    assert.match(text, /video_agent_ingest_dropped\{stream_id="cam-1"\} 3/);
    assert.match(text, /video_agent_ingest_reconnects\{stream_id="cam-1"\} 2/);
    assert.match(text, /video_agent_ingest_queue_dropped\{stream_id="cam-1"\} 7/);
    assert.match(text, /video_agent_ingest_state\{stream_id="cam-1",state="running"\} 1/);
    stats[0].frames = 50;
    assert.match(await registry.metrics(), /video_agent_ingest_frames\{stream_id="cam-1"\} 50/);
  });
});
