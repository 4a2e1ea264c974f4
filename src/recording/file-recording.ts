import fs from 'node:fs/promises';
import path from 'node:path';
import { readIndex, rewriteIndex } from './segment-index';

/**
 * A file source is its own recording: one external entry covering the whole file (media time = position
 * in the file), replacing any earlier one, so clips are cut from the file and nothing is copied.
 */
export async function recordFileSource(dir: string, file: string, durationUs: number, session: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const abs = path.resolve(file);
  const bytes = (await fs.stat(abs)).size;
  const kept = (await readIndex(dir)).filter((e) => !e.external);
  await rewriteIndex(dir, [...kept, { file: abs, startUs: 0, durationUs: Math.max(0, Math.round(durationUs)), wallMs: session, bytes, session, external: true }]);
}
