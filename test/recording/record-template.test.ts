import assert from 'node:assert/strict';
import { VideoAgentError } from '../../src/errors';
import { checkLaunch, parsePipelineTemplate, preparePipeline, recordCodecOf, renderLaunch, resolveParams, type RecordCodec } from '../../src/pipelines';

const src = { uri: 'rtsp://127.0.0.1:8554/stream' };
const record = (codec: RecordCodec) => ({ codec, location: '/tmp/rec "x"/.writing/%010d.mp4', segmentNs: 2_250_000_000, maxFiles: 0 });

describe('recording: the record branch of pipeline templates', () => {
  it('rtsp renders no recording unless asked, and a record branch per codec that GStreamer parses', () => {
    const plain = preparePipeline({ pipeline: 'rtsp', source: src, withAudio: true });
    assert.doesNotMatch(plain.launch, /splitmuxsink/);
    assert.equal(plain.record, undefined);
    for (const [codec, depay] of [['h264', /rtph264depay ! h264parse config-interval=-1 ! splitmuxsink/], ['h265', /rtph265depay ! h265parse config-interval=-1 ! splitmuxsink/], ['other', /x264enc .*! splitmuxsink/]] as const) {
      const r = preparePipeline({ pipeline: 'rtsp', source: src, withAudio: true, record: record(codec) });
      assert.match(r.launch, depay);
      assert.match(r.launch, /splitmuxsink location="\/tmp\/rec \\"x\\"\/\.writing\/%010d\.mp4" max-size-time=2250000000 max-files=0 muxer-factory=mp4mux/);
      assert.deepEqual(r.sinks, ['frames', 'audio'], 'no extra appsink');
      assert.equal(r.record?.codec, codec);
    }
  });

  it('maps discovered codec descriptions to branches', () => {
    assert.equal(recordCodecOf('H.264 (Main Profile)'), 'h264');
    assert.equal(recordCodecOf('H.265 (Main Profile)'), 'h265');
    assert.equal(recordCodecOf('Motion JPEG'), 'other');
    assert.equal(recordCodecOf(undefined), 'other');
  });

  const base = {
    name: 'cam', kind: 'live', params: {},
    launch: 'videotestsrc ! tee name=video video. ! queue ! jpegenc ! appsink name=frames sync=false',
  };

  it('a template without a branch for the codec refuses to record it, naming what it has', () => {
    const tpl = parsePipelineTemplate({ ...base, record: { h264: 'video. ! queue ! x264enc ! h264parse ! splitmuxsink location={record_location}' } }, '/x/cam.yaml');
    const params = resolveParams(tpl, {});
    assert.throws(() => renderLaunch(tpl, { params, source: src, withAudio: false, record: record('h265') }), (err: unknown) => {
      assert.ok(err instanceof VideoAgentError);
      assert.equal(err.code, 'E_RECORD_UNSUPPORTED');
      assert.match(err.message, /pipeline 'cam' cannot record H265 video \(its record branches: h264\)/);
      return true;
    });
    const noRecord = parsePipelineTemplate(base, '/x/cam.yaml');
    assert.throws(() => renderLaunch(noRecord, { params, source: src, withAudio: false, record: record('h264') }), /it has no record branch/);
    // A template with a branch renders a launch line GStreamer accepts.
    checkLaunch(renderLaunch(tpl, { params, source: src, withAudio: false, record: record('h264') }));
  });

  it('validates record branches: known placeholders, a location, no appsink, known codecs', () => {
    const bad = (rec: unknown, pattern: RegExp) => assert.throws(() => parsePipelineTemplate({ ...base, record: rec }, '/x/cam.yaml'), (err: unknown) => {
      assert.ok(err instanceof VideoAgentError);
      assert.equal(err.code, 'E_BAD_PIPELINE');
      assert.match(err.message, pattern);
      return true;
    });
    bad({ h264: 'video. ! splitmuxsink location={record_location} max-size-time={segment_s}' }, /record\.h264 uses unknown placeholder \{segment_s\}/);
    bad({ h264: 'video. ! splitmuxsink location=/tmp/x.mp4' }, /record\.h264 never uses \{record_location\}/);
    bad({ h264: 'video. ! splitmuxsink location={record_location} video. ! appsink name=x' }, /record\.h264 must not contain an appsink/);
    bad({ vp8: 'video. ! splitmuxsink location={record_location}' }, /record: .*vp8/);
    // Record variables exist only in the record branch.
    assert.throws(() => parsePipelineTemplate({ ...base, launch: `${base.launch} video. ! splitmuxsink location={record_location}` }, '/x/cam.yaml'), /launch uses unknown placeholder \{record_location\}/);
  });
});
