import { z } from 'zod';

// Loaded only when a template file is validated (src/pipelines/loader.ts requires it lazily): zod
// costs tens of milliseconds of start-up.

/**
 * The shape of a `pipelines/*.yaml` file: a named GStreamer launch template with typed parameters.
 * `launch` is the always-present part (it must contain `appsink name=frames`); `audio` is a separate
 * branch rendered only when the source has audio, because a static audio branch never prerolls on
 * video-only input.
 */
const common = { description: z.string().optional() };

export const ParamSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('int'), default: z.number().int(), min: z.number().int().optional(), max: z.number().int().optional(), ...common }).strict(),
  z.object({ type: z.literal('number'), default: z.number(), min: z.number().optional(), max: z.number().optional(), ...common }).strict(),
  z.object({ type: z.literal('bool'), default: z.boolean(), ...common }).strict(),
  z.object({ type: z.literal('enum'), values: z.array(z.string().regex(/^[A-Za-z0-9_.+-]+$/, 'enum values must be plain tokens')).min(1), default: z.string(), ...common }).strict(),
  // Strings are quoted when rendered, so a value cannot inject extra elements into the launch line.
  z.object({ type: z.literal('string'), default: z.string(), pattern: z.string().optional(), ...common }).strict(),
]);
export type ParamSpec = z.infer<typeof ParamSpecSchema>;

export const PARAM_NAME = /^[a-z][a-z0-9_]*$/;

export const PipelineFileSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'name must be a plain token'),
    description: z.string().optional(),
    /** file: decoder waits for the consumer; live: drop when the consumer is slow, reconnect on drops. */
    kind: z.enum(['file', 'live']),
    params: z.record(z.string().regex(PARAM_NAME, 'parameter names are lower_snake_case'), ParamSpecSchema).default({}),
    launch: z.string().min(1),
    audio: z.string().min(1).optional(),
    /** Recording branches, one per source video codec; rendered only when recording is on (src/recording). */
    record: z.object({ h264: z.string().min(1).optional(), h265: z.string().min(1).optional(), other: z.string().min(1).optional() }).strict().optional(),
    /**
     * Audio into the recording's segments, by the source's audio codec (aac: copied; other: encoded to
     * AAC with {aac_encoder}); rendered only with `record` and `audio` (it links to their elements).
     */
    record_audio: z.object({ aac: z.string().min(1).optional(), other: z.string().min(1).optional() }).strict().optional(),
  })
  .strict();
export type PipelineFile = z.infer<typeof PipelineFileSchema>;

/** A loaded, checked template plus where it came from (for error messages). */
export interface PipelineTemplate extends PipelineFile {
  path: string;
}

export { AUDIO_SINK, FRAMES_SINK, SOURCE_VARIABLES, RECORD_VARIABLES, RECORD_CODECS, RECORD_AUDIO_CODECS, RECORD_AUDIO_VARIABLES, RECORD_MUX, type RecordCodec, type RecordVariables, type RecordAudio, type RecordAudioCodec, type ParamValue, type ParamValues, type SourceVariables } from './contract';
