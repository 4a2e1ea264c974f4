import { VideoAgentError } from '../errors';
import type { RecordAudio, RecordCodec } from './contract';
import type { PipelineTemplate } from './schema';

/**
 * The record branch for a source's video codec, from GstDiscoverer's codec description ("H.264 (Main
 * Profile)", "H.265 (Main Profile)"): h264/h265 copy the encoded stream, anything else is `other`.
 */
export function recordCodecOf(description: string | undefined): RecordCodec {
  if (!description) return 'other';
  if (/H\.?264|AVC/i.test(description)) return 'h264';
  if (/H\.?265|HEVC/i.test(description)) return 'h265';
  return 'other';
}

/**
 * The record branch text for a codec. A template without a branch for the codec (and no `other` fallback)
 * cannot record this source: refused before anything starts rather than silently not recording.
 */
export function recordBranchFor(tpl: PipelineTemplate, codec: RecordCodec): string {
  const branch = tpl.record?.[codec] ?? tpl.record?.other;
  if (!branch) {
    const has = Object.keys(tpl.record ?? {});
    throw new VideoAgentError(
      'E_RECORD_UNSUPPORTED',
      `pipeline '${tpl.name}' cannot record ${codec === 'other' ? 'this codec' : codec.toUpperCase()} video (${has.length ? `its record branches: ${has.join(', ')}` : 'it has no record branch'})`,
      { kind: 'bad_input' },
    );
  }
  return branch;
}

/** AAC encoders for `record_audio.other`, in order of preference, with their settings (raw audio in, AAC out). */
const AAC_ENCODERS: ReadonlyArray<readonly [string, string]> = [
  ['avenc_aac', 'avenc_aac bitrate=128000'],
  ['voaacenc', 'voaacenc bitrate=128000'],
];

let aacEncoderFound: string | null | undefined;

/**
 * The first AAC encoder this GStreamer has (avenc_aac, then voaacenc), as a launch fragment, or null when
 * neither exists. Found once per process by parsing a tiny launch line with each (a missing plugin fails
 * the parse at once; nothing runs).
 */
export function aacEncoder(): string | null {
  if (aacEncoderFound !== undefined) return aacEncoderFound;
  // src/gst (the native addon) loads here, only for a recording of non-AAC audio.
  const { Pipeline } = require('../gst') as typeof import('../gst');
  aacEncoderFound = null;
  for (const [name, fragment] of AAC_ENCODERS) {
    try {
      void Pipeline.create(`fakesrc num-buffers=0 ! ${name} ! fakesink`).stop();
      aacEncoderFound = fragment;
      break;
    } catch {
      // not installed: try the next one
    }
  }
  return aacEncoderFound;
}

/** RTP encodings of AAC and the depayloader each needs (RFC 3640 and RFC 3016 LATM). */
const AAC_DEPAYLOADERS: Readonly<Record<string, string>> = {
  'MPEG4-GENERIC': 'rtpmp4gdepay',
  'MP4A-LATM': 'rtpmp4adepay',
};

/** Other RTP audio encodings with their depayloader and decoder named; anything else goes through decodebin. */
const AUDIO_DECODERS: Readonly<Record<string, string>> = {
  PCMU: 'rtppcmudepay ! mulawdec',
  PCMA: 'rtppcmadepay ! alawdec',
  OPUS: 'rtpopusdepay ! opusdec',
  L16: 'rtpL16depay',
};

/**
 * How a source's audio is recorded, from GstDiscoverer's codec description and the RTP encoding-name it
 * was depayloaded from. Every element is named up front (no parsebin/decodebin autoplugging on a known
 * encoding), so nothing is plugged or unplugged while the pipeline tears down. AAC in MPEG4-GENERIC or
 * MP4A-LATM is copied; anything else is decoded and encoded to AAC (decodebin only for an encoding not in
 * the table). null (the caller records video only, and says why) when it needs an encoder and there is
 * none.
 */
export function recordAudioOf(description: string | undefined, rtpEncoding: string | undefined, encoder: () => string | null = aacEncoder): RecordAudio | null {
  const enc = rtpEncoding?.toUpperCase();
  const depay = enc ? AAC_DEPAYLOADERS[enc] : undefined;
  if (description && /\bAAC\b/i.test(description) && depay) return { codec: 'aac', depay };
  const aac = encoder();
  if (!aac) return null;
  return { codec: 'other', decode: (enc && AUDIO_DECODERS[enc]) || 'decodebin', encoder: aac };
}
