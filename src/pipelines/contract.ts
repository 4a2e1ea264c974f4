/** The zod-free half of the template contract, needed at run time by every session. */
export type ParamValue = number | boolean | string;
export type ParamValues = Record<string, ParamValue>;

/**
 * Values the session supplies (not user parameters). `uri` is the source URI (file:// for files);
 * it is quoted when rendered.
 */
export const SOURCE_VARIABLES = ['uri'] as const;
export type SourceVariables = Record<(typeof SOURCE_VARIABLES)[number], string>;

/**
 * Values of the optional `record` branch (rendered only when recording is on): where splitmuxsink writes
 * (`record_location`, a printf pattern, quoted when rendered), the segment length in ns and
 * splitmuxsink's own `max-files` (0: retention is src/recording's job).
 */
export const RECORD_VARIABLES = ['record_location', 'segment_ns', 'max_files'] as const;
/** Record branches by the source's video codec: h264/h265 copy the stream, `other` may re-encode. */
export const RECORD_CODECS = ['h264', 'h265', 'other'] as const;
export type RecordCodec = (typeof RECORD_CODECS)[number];
export interface RecordVariables {
  codec: RecordCodec;
  location: string;
  segmentNs: number;
  maxFiles: number;
  /**
   * The source's audio, recorded into the same segments by the template's `record_audio` branch (only
   * with audio, and only when the audio branch, which holds the audio RTP tee, is rendered too): `aac`
   * copies it through `depay` (the depayloader its RTP encoding needs), `other` decodes it with `decode`
   * and encodes it with `encoder` (launch fragments). Absent: video only, as without audio.
   */
  audio?: RecordAudio;
}

/** `record_audio` branches by the source's audio codec: AAC is copied, anything else encoded to AAC. */
export const RECORD_AUDIO_CODECS = ['aac', 'other'] as const;
export type RecordAudioCodec = (typeof RECORD_AUDIO_CODECS)[number];
export type RecordAudio = { codec: 'aac'; depay: string } | { codec: 'other'; decode: string; encoder: string };
/**
 * Values of the `record_audio` branches (launch fragments, unquoted): `audio_depay` (aac: the RTP
 * depayloader), `audio_decode` (other: depayloader + decoder, named when known) and `aac_encoder`
 * (other: the AAC encoder with its settings).
 */
export const RECORD_AUDIO_VARIABLES = ['audio_depay', 'audio_decode', 'aac_encoder'] as const;
/** splitmuxsink's name in the record branches: `record_audio` links to its `audio_0` pad. */
export const RECORD_MUX = 'recmux';

/** The contract every pipeline provides. */
export const FRAMES_SINK = 'frames';
export const AUDIO_SINK = 'audio';
