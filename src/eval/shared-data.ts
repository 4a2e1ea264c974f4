/**
 * Where the peer evaluation data lives: `shared/eval` beside the repository checkout (as in CI), or
 * VIDEO_AGENT_EVAL_DIR when set. Only `npm run eval` (eval/) and the benchmarks read it; `npm test` never does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { VideoAgentError } from '../errors';

export function sharedEvalDir(): string {
  return process.env.VIDEO_AGENT_EVAL_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'eval');
}

/** Throws E_EVAL_DATA_MISSING naming where the data is expected: an evaluation never skips silently. */
export function requireSharedEvalDir(): string {
  const dir = sharedEvalDir();
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new VideoAgentError(
      'E_EVAL_DATA_MISSING',
      `evaluation data not found at ${dir} (expected in shared/eval beside the repository checkout, or where VIDEO_AGENT_EVAL_DIR points): put the peer evaluation data there, one folder per data set with its SOURCE.txt`,
    );
  }
  return dir;
}

export function sharedEvalPath(...parts: string[]): string {
  return path.join(requireSharedEvalDir(), ...parts);
}
