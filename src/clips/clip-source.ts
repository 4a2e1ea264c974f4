/**
 * What a clip is cut from: one local media file (a file stream's source), or the recording's segment
 * files in order, each with its offset in the stream's media time (src/recording produces them).
 */
export type ClipSource =
  | { kind: 'file'; path: string }
  | { kind: 'segments'; segments: RecordingSegment[] };

export interface RecordingSegment {
  path: string;
  /** Where the segment starts in the stream's media time, µs. */
  startUs: number;
  durationUs: number;
}

/** One file and the local range to cut from it (µs of that file's own time). */
export interface SourcePiece {
  path: string;
  fromUs: number;
  toUs: number;
  /** Where the file's own time 0 lies in the stream's media time, µs. */
  offsetUs: number;
}

/**
 * The segments overlapping [fromUs, toUs), each with the part of it that lies inside the range, in
 * order. Segments are taken as given (the recorder orders them); gaps between them are skipped.
 */
export function piecesInRange(segments: readonly RecordingSegment[], fromUs: number, toUs: number): SourcePiece[] {
  const out: SourcePiece[] = [];
  for (const s of segments) {
    const a = Math.max(fromUs, s.startUs);
    const b = Math.min(toUs, s.startUs + s.durationUs);
    if (b > a) out.push({ path: s.path, fromUs: a - s.startUs, toUs: b - s.startUs, offsetUs: s.startUs });
  }
  return out;
}
