import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { VideoAgentError } from '../../src/errors';
import { aacEncoder, checkLaunch, parsePipelineTemplate, preparePipeline, recordAudioOf, recordCodecOf, renderLaunch, resolveParams, type RecordCodec } from '../../src/pipelines';

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

  it('rtsp records the audio into the same splitmuxsink: AAC copied, other codecs encoded; none without audio', () => {
    const aac = preparePipeline({ pipeline: 'rtsp', source: src, withAudio: true, record: { ...record('h264'), audio: { codec: 'aac', depay: 'rtpmp4gdepay' } } });
    assert.match(aac.launch, /tee name=audio_rtp audio_rtp\. ! queue ! decodebin/);
    assert.match(aac.launch, /splitmuxsink location=[^!]* name=recmux/);
    // Named elements only: nothing is autoplugged into the record branch (no parsebin / decodebin).
    assert.match(aac.launch, /audio_rtp\. ! queue leaky=downstream [^!]*! rtpmp4gdepay ! aacparse ! recmux\.audio_0/);
    assert.doesNotMatch(aac.launch, /parsebin/);
    assert.deepEqual(aac.record?.audio, { codec: 'aac', depay: 'rtpmp4gdepay' });
    assert.deepEqual(aac.sinks, ['frames', 'audio']);
    const enc = aacEncoder();
    assert.ok(enc, 'an AAC encoder (avenc_aac or voaacenc) in this GStreamer');
    const other = preparePipeline({ pipeline: 'rtsp', source: src, withAudio: true, record: { ...record('h265'), audio: { codec: 'other', decode: 'rtppcmudepay ! mulawdec', encoder: enc } } });
    assert.ok(other.launch.includes(`! rtppcmudepay ! mulawdec ! audioconvert ! audioresample ! ${enc} ! aacparse ! recmux.audio_0`), other.launch);
    // No audio: no audio branch, no tee, nothing linked to the splitmuxsink's audio pad; the record says video only.
    const none = preparePipeline({ pipeline: 'rtsp', source: src, withAudio: false, record: { ...record('h264'), audio: { codec: 'aac', depay: 'rtpmp4gdepay' } } });
    assert.doesNotMatch(none.launch, /audio_rtp|audio_0|parsebin/);
    assert.equal(none.record?.audio, undefined);
    // Recording without audio asked for: as before.
    const videoOnly = preparePipeline({ pipeline: 'rtsp', source: src, withAudio: true, record: record('h264') });
    assert.doesNotMatch(videoOnly.launch, /audio_0|parsebin/);
    assert.match(videoOnly.launch, /tee name=audio_rtp audio_rtp\. ! queue ! decodebin/);
  });

  it('maps discovered audio codecs to record_audio branches', () => {
    // AAC is copied through the depayloader its RTP encoding needs.
    assert.deepEqual(recordAudioOf('MPEG-4 AAC', 'MPEG4-GENERIC', () => 'voaacenc'), { codec: 'aac', depay: 'rtpmp4gdepay' });
    assert.deepEqual(recordAudioOf('MPEG-4 AAC', 'MP4A-LATM', () => 'voaacenc'), { codec: 'aac', depay: 'rtpmp4adepay' });
    // Known encodings get their depayloader and decoder named; an unknown one (or AAC without a known packetization) decodebin.
    assert.deepEqual(recordAudioOf('Mu-Law audio', 'PCMU', () => 'voaacenc'), { codec: 'other', decode: 'rtppcmudepay ! mulawdec', encoder: 'voaacenc' });
    assert.deepEqual(recordAudioOf('Opus', 'OPUS', () => 'avenc_aac'), { codec: 'other', decode: 'rtpopusdepay ! opusdec', encoder: 'avenc_aac' });
    assert.deepEqual(recordAudioOf('MPEG-4 AAC', undefined, () => 'avenc_aac'), { codec: 'other', decode: 'decodebin', encoder: 'avenc_aac' });
    assert.deepEqual(recordAudioOf('G.722', 'G722', () => 'avenc_aac'), { codec: 'other', decode: 'decodebin', encoder: 'avenc_aac' });
    assert.equal(recordAudioOf('A-Law audio', 'PCMA', () => null), null, 'no encoder: video only');
    // Every named depayloader/decoder exists in this GStreamer (a missing one would fail the stream's parse).
    for (const enc of ['MPEG4-GENERIC', 'MP4A-LATM', 'PCMU', 'PCMA', 'OPUS', 'L16']) {
      const r = recordAudioOf(/MPEG4|MP4A/.test(enc) ? 'MPEG-4 AAC' : 'x', enc, () => 'fakesink')!;
      const chain = r.codec === 'aac' ? r.depay : r.decode;
      for (const element of chain.split('!').map((e) => e.trim())) {
        assert.doesNotThrow(() => execFileSync('gst-inspect-1.0', ['--exists', element]), `${enc}: element ${element} is installed`);
      }
    }
  });

  it('validates record_audio branches: only with record and audio branches, known placeholders, no appsink', () => {
    const withRecord = { ...base, audio: 'audiotestsrc ! tee name=audio_rtp audio_rtp. ! queue ! appsink name=audio', record: { h264: 'video. ! queue ! x264enc ! h264parse ! splitmuxsink location={record_location} name=recmux' } };
    assert.throws(() => parsePipelineTemplate({ ...base, record_audio: { aac: 'audio_rtp. ! recmux.audio_0' } }, '/x/cam.yaml'), /record_audio needs a record branch and an audio branch/);
    assert.throws(() => parsePipelineTemplate({ ...withRecord, record_audio: { other: 'audio_rtp. ! {encoder} ! recmux.audio_0' } }, '/x/cam.yaml'), /record_audio\.other uses unknown placeholder \{encoder\}/);
    assert.throws(() => parsePipelineTemplate({ ...withRecord, record_audio: { aac: 'audio_rtp. ! appsink name=x' } }, '/x/cam.yaml'), /record_audio\.aac must not contain an appsink/);
    assert.throws(() => parsePipelineTemplate({ ...withRecord, record_audio: { pcmu: 'audio_rtp. ! recmux.audio_0' } }, '/x/cam.yaml'), /record_audio/);
    parsePipelineTemplate({ ...withRecord, record_audio: { other: 'audio_rtp. ! queue ! {audio_decode} ! {aac_encoder} ! aacparse ! recmux.audio_0', aac: 'audio_rtp. ! queue ! {audio_depay} ! aacparse ! recmux.audio_0' } }, '/x/cam.yaml');
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
