import type { z } from 'zod';
import { VideoAgentError } from '../../errors';

/** A stage's settings with defaults and bounds; a bad value names the stage, the key and the problem. */
export function optionsOf<S extends z.ZodType>(stage: string, schema: S, raw: Record<string, unknown>): z.infer<S> {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new VideoAgentError('E_BAD_CONFIG', `stages.${stage}.${issue.path.join('.') || '(options)'}: ${issue.message}`, { kind: 'config' });
}
