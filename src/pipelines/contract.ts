/** The zod-free half of the template contract, needed at run time by every session. */
export type ParamValue = number | boolean | string;
export type ParamValues = Record<string, ParamValue>;

/**
 * Values the session supplies (not user parameters). `uri` is the source URI (file:// for files);
 * it is quoted when rendered.
 */
export const SOURCE_VARIABLES = ['uri'] as const;
export type SourceVariables = Record<(typeof SOURCE_VARIABLES)[number], string>;

/** The contract every pipeline provides. */
export const FRAMES_SINK = 'frames';
export const AUDIO_SINK = 'audio';
