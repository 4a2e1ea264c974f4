/**
 * The event model shared by every stage. Times: `ptsUs` is media time in integer microseconds from the
 * stream's start; `ts` is wall-clock time (stream start + pts) as epoch milliseconds. Frames are identified
 * by (streamId, ptsUs), so processing is idempotent on that key.
 */
export interface Frame {
  streamId: string;
  ptsUs: number;
  /** Wall clock, epoch ms. */
  ts: number;
  width: number;
  height: number;
  jpeg: Buffer;
}

export interface AudioChunk {
  streamId: string;
  ptsUs: number;
  ts: number;
  /** S16LE, 16 kHz, mono. */
  pcm: Buffer;
}

export const AUDIO_SAMPLE_RATE = 16000;

export interface Detection {
  /** [x1, y1, x2, y2] in pixels of the analysed frame. */
  bbox: [number, number, number, number];
  confidence: number;
  classId: number;
  className: string;
  trackId?: number;
}

