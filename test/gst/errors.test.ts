import assert from 'node:assert/strict';

import { VideoAgentError } from '../../src/errors';
import { DEFAULT_MAX_BUFFERS, GstError, Pipeline, estimateDropped, scrubUserinfo, toGstError, type ErrorSubject } from '../../src/gst';

/** Everything an error carries, as text: what a log line or a JSON response could expose. */
function allText(e: GstError): string {
  const cause = e.cause as Error & Record<string, unknown>;
  return JSON.stringify({ ...e, message: e.message, stack: e.stack, cause: { ...cause, message: cause?.message } });
}

describe('gst errors: codes decided in C++', () => {
  const cases: [string, string, string][] = [
    ['videotestsrc ! nosuchelement ! fakesink', 'no_such_element', 'nosuchelement'],
    ['videotestsrc bogus-prop=3 ! fakesink', 'no_such_property', 'bogus-prop'],
    ['videotestsrc pattern=notapattern ! fakesink', 'bad_property_value', 'notapattern'],
    ['videotestsrc ! video/x-raw,format=XXX ! audioconvert ! fakesink', 'link_failed', 'audioconvert'],
    ['videotestsrc ! (', 'parse_error', 'syntax error'],
  ];
  for (const [launch, reason, named] of cases) {
    it(`${reason}: E_BAD_PIPELINE with the GError domain and code, GStreamer's words quoted`, () => {
      assert.throws(() => Pipeline.create(launch), (e: unknown) => {
        assert.ok(e instanceof GstError);
        assert.equal(e.code, 'E_BAD_PIPELINE');
        assert.equal(e.reason, reason);
        assert.equal(e.domain, 'gst_parse_error');
        assert.equal(e.kind, 'bad_input');
        assert.equal(e.retryable, false);
        assert.ok(e.detail.includes(named), e.detail);
        return true;
      });
    });
  }

  it('scrubs userinfo from a parse error GStreamer words with the URI in it', () => {
    assert.throws(() => Pipeline.create('foo://user:s3cret@camera.local/x ! fakesink'), (e: unknown) => {
      assert.ok(e instanceof GstError);
      assert.equal(e.reason, 'no_such_element');
      assert.match(e.detail, /foo:\/\/camera\.local\/x/);
      assert.ok(!allText(e).includes('s3cret') && !allText(e).includes('user:'), allText(e));
      return true;
    });
  });

  it('scrubs userinfo from runtime bus errors (rtspsrc on a closed port): reason unreachable', async () => {
    const p = Pipeline.create('rtspsrc location=rtsp://admin:s3cret@127.0.0.1:1/cam ! fakesink', { subject: { kind: 'stream', name: 'rtsp://127.0.0.1:1/cam' } });
    p.start();
    await assert.rejects(p.done, (e: unknown) => {
      assert.ok(e instanceof GstError);
      assert.equal(e.reason, 'unreachable');
      assert.equal(e.code, 'E_CONNECT_FAILED');
      assert.equal(e.kind, 'unreachable');
      assert.match(e.source, /GstRTSPSrc/);
      assert.ok(!allText(e).includes('s3cret'), allText(e));
      return true;
    });
  });
});

describe('gst errors: the TypeScript mapping (src/gst/errors.ts)', () => {
  const file: ErrorSubject = { kind: 'file', name: '/media/clip.mp4' };
  const cam: ErrorSubject = { kind: 'stream', name: 'rtsp://cam.local/live' };
  const native = (code: string, message = 'GStreamer says so', extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(message), { code, domain: 'd', gstCode: 1, debug: '', source: '', element: '', ...extra });

  it('maps each addon code to our code, kind and one line naming the subject', () => {
    const expect: [string, ErrorSubject, string, string, RegExp][] = [
      ['timeout', file, 'E_PROBE_TIMEOUT', 'deadline', /^\/media\/clip\.mp4: reading the media headers timed out/],
      ['not_media', file, 'E_NOT_MEDIA', 'bad_input', /^\/media\/clip\.mp4 is not a media file \(GStreamer says so\)$/],
      ['demux_failed', file, 'E_CORRUPT_MEDIA', 'bad_input', /^\/media\/clip\.mp4 is truncated or corrupt: GStreamer says so$/],
      ['decode_failed', cam, 'E_CORRUPT_MEDIA', 'remote_failure', /^rtsp:\/\/cam\.local\/live sent media that cannot be decoded/],
      ['missing_plugin', file, 'E_MISSING_PLUGIN', 'config', /needs a GStreamer plugin that is not installed/],
      ['bad_uri', cam, 'E_BAD_URI', 'bad_input', /is not a URI GStreamer can open/],
      ['not_found', file, 'E_FILE_NOT_FOUND', 'not_found', /^\/media\/clip\.mp4: not found/],
      ['not_found', cam, 'E_STREAM_NOT_FOUND', 'not_found', /the server has no such stream/],
      ['unauthorized', cam, 'E_UNAUTHORIZED', 'unauthorized', /^rtsp:\/\/cam\.local\/live refused the credentials/],
      ['unreachable', cam, 'E_CONNECT_FAILED', 'unreachable', /^could not connect to rtsp:\/\/cam\.local\/live/],
      ['read_failed', cam, 'E_CONNECTION_LOST', 'unreachable', /^reading rtsp:\/\/cam\.local\/live failed/],
      ['no_such_element', { kind: 'pipeline', name: "pipeline 'x'" }, 'E_BAD_PIPELINE', 'bad_input', /^pipeline 'x': invalid GStreamer pipeline: GStreamer says so$/],
      ['something_new', file, 'E_GST', 'internal', /^\/media\/clip\.mp4: GStreamer says so$/],
    ];
    for (const [code, subject, vaCode, kind, message] of expect) {
      const e = toGstError(native(code), subject);
      assert.ok(e instanceof VideoAgentError);
      assert.equal(e.code, vaCode, code);
      assert.equal(e.kind, kind, code);
      assert.match(e.message, message, code);
    }
    assert.equal(toGstError(native('unauthorized'), cam).retryable, false);
    assert.equal(toGstError(native('unreachable'), cam).retryable, true);
    assert.equal(toGstError(native('not_found'), cam).retryable, true, 'a restarting server may not have the mount yet');
  });

  it('names the failing element and the missing plugins by their description', () => {
    assert.match(toGstError(native('demux_failed', 'no playable streams', { element: 'qtdemux0' }), file).message, /corrupt: qtdemux0: no playable streams$/);
    const missing = toGstError(native('missing_plugin', 'x', { missing: ['gstreamer|1.0|app|H.265 decoder|decoder-video/x-h265'] }), file);
    assert.match(missing.message, /not installed: H\.265 decoder$/);
  });

  it('scrubs userinfo once more at the mapping point, also from the quoted launch line', () => {
    const e = toGstError(
      native('no_such_property', 'no property "x" in element "rtsp://u:p@h/y"', { debug: 'rtsp://u:p@h/y', source: 'rtsps://a:b@h' }),
      { kind: 'stream', name: 'rtsp://u:p@h/y' },
      { launch: 'rtspsrc location="rtsp://admin:s3cret@10.0.0.5/live" bogus=1 ! fakesink' },
    );
    assert.ok(!/u:p@|a:b@|s3cret/.test(allText(e)), allText(e));
    assert.match(e.message, /in "rtspsrc location="rtsp:\/\/10\.0\.0\.5\/live" bogus=1/);
  });

  it('scrubUserinfo keeps everything but the userinfo', () => {
    assert.equal(scrubUserinfo('a rtsp://user:p@ss@cam:554/x?y=1 and http://h/p@q and rtsps://u@h'), 'a rtsp://cam:554/x?y=1 and http://h/p@q and rtsps://h');
  });
});

describe('gst sink limits: policy in TypeScript, explicit values into C++', () => {
  it('an appsink the launch left unbounded gets DEFAULT_MAX_BUFFERS; launch values are kept', () => {
    const p = Pipeline.create('videotestsrc ! tee name=t t. ! queue ! appsink name=a t. ! queue ! appsink name=b max-buffers=3 drop=true');
    assert.deepEqual(p.sinkLimits('a'), { maxBuffers: DEFAULT_MAX_BUFFERS, drop: false });
    assert.deepEqual(p.sinkLimits('b'), { maxBuffers: 3, drop: true });
    p.stop();
  });

  it('options override the launch line and are validated before they cross into the addon', () => {
    const p = Pipeline.create('videotestsrc ! appsink name=a max-buffers=3', { sinks: { a: { maxBuffers: 5, drop: true } } });
    assert.deepEqual(p.sinkLimits('a'), { maxBuffers: 5, drop: true });
    p.stop();
    for (const bad of [0, 1.5, -1, 1e9, Number.NaN]) {
      assert.throws(() => Pipeline.create('videotestsrc ! appsink name=a', { sinks: { a: { maxBuffers: bad } } }), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_ARGUMENT');
    }
    assert.throws(() => Pipeline.create('videotestsrc ! appsink name=a', { sinks: { a: { drop: 'yes' as unknown as boolean } } }), /drop must be true or false/);
    assert.throws(() => Pipeline.create('videotestsrc ! appsink name=a', { sinks: { nope: { maxBuffers: 2 } } }), /no such appsink/);
  });

  it('estimates drops from the raw counters: monotonic, bounded by max-buffers, exact once drained', () => {
    const limits = { maxBuffers: 4, drop: true };
    // 20 accepted, 6 pulled, at most 4 queued: at least 10 dropped.
    assert.equal(estimateDropped({ accepted: 20, pulled: 6, acceptedAtEmpty: 0, pulledAtEmpty: 0 }, limits, 0), 10);
    // Drained: a pull found the queue empty after 20 accepted and 8 pulled: exactly 12.
    assert.equal(estimateDropped({ accepted: 20, pulled: 8, acceptedAtEmpty: 20, pulledAtEmpty: 8 }, limits, 10), 12);
    // Never goes down.
    assert.equal(estimateDropped({ accepted: 21, pulled: 20, acceptedAtEmpty: 20, pulledAtEmpty: 8 }, limits, 15), 15);
    assert.equal(estimateDropped({ accepted: 99, pulled: 1, acceptedAtEmpty: 50, pulledAtEmpty: 1 }, { maxBuffers: 4, drop: false }, 0), 0);
  });
});
