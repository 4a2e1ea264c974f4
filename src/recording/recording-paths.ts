import path from 'node:path';

/**
 * Layout of one stream's recording, `<dataDir>/recordings/<stream>/`:
 * - `0000000042.mp4`: closed segments, numbered in recording order (never reused);
 * - `.writing/`: where splitmuxsink writes the current connection (its newest file is the open one);
 * - `.closing-*`: a finished connection's files, moved aside so the next connection starts afresh;
 * - `index.jsonl`: one line per closed segment (src/recording/segment-index.ts).
 */
export const WRITING_DIR = '.writing';
export const CLOSING_PREFIX = '.closing-';
export const INDEX_FILE = 'index.jsonl';
export const SEGMENT_NAME = /^\d{10}\.mp4$/;

export function recordingDir(dataDir: string, streamId: string): string {
  return path.resolve(dataDir, 'recordings', streamId);
}

export function segmentName(seq: number): string {
  return `${String(seq).padStart(10, '0')}.mp4`;
}

/** splitmuxsink's `location` pattern for a stream's writing folder. */
export function writingLocation(dir: string): string {
  return path.join(dir, WRITING_DIR, '%010d.mp4');
}
