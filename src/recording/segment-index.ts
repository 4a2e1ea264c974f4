import fs from 'node:fs/promises';
import path from 'node:path';
import { INDEX_FILE } from './recording-paths';

/** One closed segment: where it lies in the stream's media time (the clock of frames' `ptsUs`). */
export interface SegmentEntry {
  /** File name in the stream's folder, or an absolute path for an `external` file (a file source itself). */
  file: string;
  startUs: number;
  durationUs: number;
  /** Wall clock of startUs, epoch ms (the session clock's start + startUs, like frames' `ts`). */
  wallMs: number;
  bytes: number;
  /**
   * The session clock's start (epoch ms): media time restarts with each live session, so offsets
   * compare only within one session.
   */
  session: number;
  /** Not ours: never deleted by retention (a file source is its own recording). */
  external?: true;
}

/**
 * One JSON line per segment, appended as each closes: a single small append is one write, so a reader
 * sees whole lines (a torn last line after a crash is skipped). Rewrites (retention) go through a
 * temporary file and a rename.
 */
export async function appendSegment(dir: string, entry: SegmentEntry): Promise<void> {
  await fs.appendFile(path.join(dir, INDEX_FILE), `${JSON.stringify(entry)}\n`);
}

export async function readIndex(dir: string): Promise<SegmentEntry[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, INDEX_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SegmentEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as SegmentEntry;
      if (typeof e.file === 'string' && Number.isFinite(e.startUs) && Number.isFinite(e.durationUs)) out.push(e);
    } catch {
      // a torn line from a crash mid-append
    }
  }
  return out;
}

export async function rewriteIndex(dir: string, entries: readonly SegmentEntry[]): Promise<void> {
  const file = path.join(dir, INDEX_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
  await fs.rename(tmp, file);
}

/** The file an entry names, as an absolute path. */
export function entryPath(dir: string, entry: SegmentEntry): string {
  return path.resolve(dir, entry.file);
}
