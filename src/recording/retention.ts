import fs from 'node:fs/promises';
import path from 'node:path';
import { CLOSING_PREFIX, SEGMENT_NAME, WRITING_DIR } from './recording-paths';
import { readIndex, rewriteIndex } from './segment-index';

export interface RetentionLimits {
  maxAgeS: number;
  maxBytes: number;
}

export interface RetentionResult {
  /** File names deleted, oldest first. */
  deleted: string[];
  /** Bytes left: closed segments plus the files still being written. */
  bytes: number;
}

interface OnDisk { name: string; bytes: number; mtimeMs: number }

/**
 * Deletes closed segments older than maxAgeS (by modification time: a segment's end) and then the
 * oldest until the stream's total is within maxBytes. Only closed segments (numbered files in the
 * stream's folder) are candidates: the files splitmuxsink is writing (`.writing/`, `.closing-*`) count
 * towards the total but are never deleted. The index loses the lines of what was deleted.
 */
export async function applyRetention(dir: string, limits: RetentionLimits, now = Date.now()): Promise<RetentionResult> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { deleted: [], bytes: 0 };
    throw err;
  }
  const closed: OnDisk[] = [];
  let openBytes = 0;
  for (const name of names) {
    if (SEGMENT_NAME.test(name)) {
      const st = await statOrNull(path.join(dir, name));
      if (st) closed.push({ name, bytes: st.size, mtimeMs: st.mtimeMs });
    } else if (name === WRITING_DIR || name.startsWith(CLOSING_PREFIX)) {
      openBytes += await folderBytes(path.join(dir, name));
    }
  }
  // Oldest first: by end time, then recording order.
  closed.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  let total = openBytes + closed.reduce((n, s) => n + s.bytes, 0);
  const deleted: string[] = [];
  const cutoff = now - limits.maxAgeS * 1000;
  for (const seg of closed) {
    if (seg.mtimeMs >= cutoff && total <= limits.maxBytes) break;
    await fs.rm(path.join(dir, seg.name), { force: true });
    deleted.push(seg.name);
    total -= seg.bytes;
  }
  if (deleted.length > 0) {
    const gone = new Set(deleted);
    const entries = await readIndex(dir);
    const kept = entries.filter((e) => e.external || !gone.has(e.file));
    if (kept.length !== entries.length) await rewriteIndex(dir, kept);
  }
  return { deleted, bytes: total };
}

async function statOrNull(file: string): Promise<import('node:fs').Stats | null> {
  try {
    return await fs.stat(file);
  } catch {
    return null; // deleted meanwhile
  }
}

async function folderBytes(dir: string): Promise<number> {
  let n = 0;
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const st = await statOrNull(path.join(dir, name));
    if (st?.isFile()) n += st.size;
  }
  return n;
}
