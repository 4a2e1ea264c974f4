import { z } from 'zod';
import { VideoAgentError } from '../errors';

/**
 * Recording of live sources: one model for the CLI (`analyze --record`), the serve config (defaults and
 * per stream) and tests. Segments are cut at key frames, so a camera whose GOP is longer than `segmentS`
 * gets segments of one GOP.
 */
const GIB = 1024 ** 3;

const fields = {
  enabled: z.boolean(),
  /** Target segment length; also the granularity of retention and of a clip's pre-event margin. */
  segmentS: z.number().min(2).max(600),
  /** Closed segments older than this (by modification time, i.e. their end) are deleted. */
  maxAgeS: z.number().min(60).max(366 * 86_400),
  /** The stream's recording (closed + writing) is kept under this by deleting the oldest closed segments. */
  maxBytes: z.number().int().min(16 * 1024 ** 2).max(64 * 1024 * GIB),
};

export const recordingConfigSchema = z.strictObject({
  enabled: fields.enabled.default(false),
  segmentS: fields.segmentS.default(10),
  maxAgeS: fields.maxAgeS.default(86_400),
  maxBytes: fields.maxBytes.default(10 * GIB),
});
export type RecordingConfig = z.infer<typeof recordingConfigSchema>;

/** The same keys, all optional and without defaults: a stream's overrides of the serve defaults. */
export const recordingOverridesSchema = z.strictObject({
  enabled: fields.enabled.optional(),
  segmentS: fields.segmentS.optional(),
  maxAgeS: fields.maxAgeS.optional(),
  maxBytes: fields.maxBytes.optional(),
});
export type RecordingOverrides = z.infer<typeof recordingOverridesSchema>;

export const DEFAULT_RECORDING: RecordingConfig = recordingConfigSchema.parse({});

/** Checks a recording config; the error names the offending key (`recording.segmentS: …`). */
export function parseRecordingConfig(raw: unknown, where = 'recording'): RecordingConfig {
  const r = recordingConfigSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new VideoAgentError('E_BAD_RECORDING_CONFIG', `${[where, ...issue.path].join('.')}: ${issue.message}`, { kind: 'config' });
}

