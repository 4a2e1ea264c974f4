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
}

/** The contract every pipeline provides. */
export const FRAMES_SINK = 'frames';
export const AUDIO_SINK = 'audio';
