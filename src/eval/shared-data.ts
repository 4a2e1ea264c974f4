/**
 * Where the peer evaluation data lives: `shared/eval` beside the repository checkout (as in CI), or
 * VIDEO_AGENT_EVAL_DIR when set.
 */
import path from 'node:path';

export function sharedEvalDir(): string {
  return process.env.VIDEO_AGENT_EVAL_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'eval');
}

export function sharedEvalPath(...parts: string[]): string {
  return path.join(sharedEvalDir(), ...parts);
}
