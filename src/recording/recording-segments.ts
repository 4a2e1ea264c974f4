import fs from 'node:fs/promises';
import { recordingDir } from './recording-paths';
import { entryPath, readIndex } from './segment-index';

/** What a clip exporter cuts from: a closed segment and where it lies in the stream's media time. */
export interface RecordedSegment {
  path: string;
  startUs: number;
  durationUs: number;
}

export interface RecordingLookupOptions {
  /** Where `recordings/` lives (default `data`, like `analyze --data-dir`). */
  dataDir?: string;
  /**
   * The session clock (epoch ms of media time 0) whose media time fromUs/toUs are in. Default: the
   * latest recorded session, the one a live stream's current rows use.
   */
  session?: number;
}

/**
 * The closed segments of a stream overlapping [fromUs, toUs) of its media time, in order. Only closed
 * segments are indexed (never the one being written); a segment deleted by retention meanwhile is left out.
 */
export async function recordingSegments(streamId: string, fromUs: number, toUs: number, opts: RecordingLookupOptions = {}): Promise<RecordedSegment[]> {
  const dir = recordingDir(opts.dataDir ?? 'data', streamId);
  const entries = await readIndex(dir);
  if (entries.length === 0) return [];
  const session = opts.session ?? entries.reduce((m, e) => Math.max(m, e.session), -Infinity);
  const hits = entries
    .filter((e) => e.session === session && e.startUs < toUs && e.startUs + e.durationUs > fromUs)
    .sort((a, b) => a.startUs - b.startUs);
  const out: RecordedSegment[] = [];
  for (const e of hits) {
    const file = entryPath(dir, e);
    if (await exists(file)) out.push({ path: file, startUs: e.startUs, durationUs: e.durationUs });
  }
  return out;
}

/** The lookup bound to a data folder: the shape the server context's `recordingSegments` takes. */
export function recordingLookup(dataDir: string): (streamId: string, fromUs: number, toUs: number) => Promise<RecordedSegment[]> {
  return (streamId, fromUs, toUs) => recordingSegments(streamId, fromUs, toUs, { dataDir });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
