/**
 * Secrets from the environment, or from a file named by `<NAME>_FILE` (the Docker-secrets convention:
 * compose mounts each secret as /run/secrets/<name>, so the value never sits in `docker inspect` or in
 * /proc/<pid>/environ). Every place that reads a secret (DATABASE_URL, REDIS_URL, RUNPOD_API_KEY,
 * VIDEO_AGENT_API_KEY, AWS_*, VLM_API_KEY, LIVEKIT_*, webhook secrets, `${VAR}` in a serve config) goes
 * through secretEnv, so the rule is the same everywhere:
 * - `NAME` set (non-empty): its value. `NAME_FILE` set: the file's content, trailing newlines trimmed
 *   (`echo secret > file` adds one). Neither: undefined.
 * - both set: an error naming both (which one wins would be a guess).
 * - an unreadable or empty file: an error naming the variable and the path, never the content.
 * The file is read at each call, so a rotated secret file is picked up by the next reader.
 */
import fs from 'node:fs';
import { VideoAgentError } from '../errors';

export type Env = Record<string, string | undefined>;

/** The variable that names a secret's file. */
export function fileVariable(name: string): string {
  return `${name}_FILE`;
}

/** The secret `name` from `env` or from the file in `env[name_FILE]`; undefined when neither is set. */
export function secretEnv(name: string, env: Env = process.env): string | undefined {
  const direct = env[name];
  const fileVar = fileVariable(name);
  const file = env[fileVar];
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = file !== undefined && file !== '';
  if (hasDirect && hasFile) {
    throw new VideoAgentError('E_SECRET_CONFLICT', `both ${name} and ${fileVar} are set: set only one of them`, { kind: 'config' });
  }
  if (!hasFile) return hasDirect ? direct : undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code ?? 'unreadable';
    // The message names the path and the errno only: never the content, never the raw error text.
    throw new VideoAgentError('E_SECRET_FILE', `cannot read ${fileVar} (${file}): ${why}`, { kind: 'config' });
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') throw new VideoAgentError('E_SECRET_FILE', `${fileVar} (${file}) is empty`, { kind: 'config' });
  return value;
}

/** True when `name` or `name_FILE` is set (without reading the file). */
export function hasSecretEnv(name: string, env: Env = process.env): boolean {
  return !!env[name] || !!env[fileVariable(name)];
}
