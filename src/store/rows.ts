/**
 * Typed rows, one interface per table. Times follow src/types.ts: `ptsUs` is integer media microseconds,
 * `ts` is the wall clock in epoch milliseconds (may carry a fraction: microsecond precision is kept).
 */
export interface TimeKey {
  streamId: string;
  ptsUs: number;
  ts: number;
}

export interface FrameRow extends TimeKey {
  width: number;
  height: number;
  bytes?: number | null;
  sceneScore?: number | null;
}

export interface DetectionRow extends TimeKey {
  /** Index in the frame's result list: with (streamId, ptsUs) the idempotency key. */
  detIdx: number;
  classId: number;
  className: string;
  confidence: number;
  /** [x1, y1, x2, y2] pixels. */
  bbox: [number, number, number, number];
  trackId?: number | null;
}

export interface EmotionRow extends TimeKey {
  faceIdx: number;
  emotion: string;
  confidence: number;
  scores?: Record<string, number>;
  bbox?: [number, number, number, number] | null;
  trackId?: number | null;
}

/** `ptsUs` must equal `startUs` (the segment's media start). */
export interface AudioSegmentRow extends TimeKey {
  startUs: number;
  endUs: number;
  text: string;
  confidence?: number | null;
  speakerId?: string | null;
  prosody?: Record<string, unknown> | null;
  isSilence?: boolean;
}

/** One turn of a stream-wide speaker (diarization stage). `ptsUs` must equal `startUs`. */
export interface SpeakerTurnRow extends TimeKey {
  startUs: number;
  endUs: number;
  /** Stable over the whole stream, e.g. `S1`. */
  speakerId: string;
  /** The endpoint's label inside its window (e.g. `SPEAKER_00`). */
  localLabel?: string | null;
  /** Cosine similarity of the local speaker's embedding to the stream speaker it was linked to. */
  similarity?: number | null;
  model?: string | null;
}

export interface EventRow extends TimeKey {
  startUs: number;
  endUs: number;
  description: string;
  tags?: string[];
  clipWorthyScore: number;
  model: string;
}

export interface HighlightRow extends TimeKey {
  startUs: number;
  endUs: number;
  score: number;
  /** The peak second's centre (media µs); null on rows written before sql/005. */
  peakUs?: number | null;
  /** Each signal's weighted share of `score` (src/highlights/fuse-signals.ts). */
  contributions?: Record<string, number>;
  title?: string;
  clipUri?: string | null;
}

export interface MemoryChunkRow extends TimeKey {
  startUs: number;
  endUs: number;
  /** What the text is, e.g. 'transcript' or 'event'; part of the idempotency key. */
  kind: string;
  text: string;
}

export interface SkipRow extends TimeKey {
  stage: string;
  reason: string;
  /** End of the skipped range (audio chunks); defaults to NULL (a single frame). */
  endUs?: number | null;
  /** Free text, e.g. the error message. */
  detail?: string | null;
}

export interface EndpointCallRow {
  streamId: string;
  ts: number;
  ptsUs?: number | null;
  /**
   * RunPod job id (or any id unique per call): a redelivered record is not counted twice. When absent:
   * `endpoint:model:streamId:ptsUs` (one row per analysed media item), or a random id without ptsUs.
   */
  callId?: string;
  model: string;
  endpoint: string;
  ms: number;
  gpuSeconds?: number;
  costUsd?: number;
  ok: boolean;
  error?: string | null;
}

export interface RowsByTable {
  frames: FrameRow;
  detections: DetectionRow;
  emotions: EmotionRow;
  audio_segments: AudioSegmentRow;
  speaker_turns: SpeakerTurnRow;
  events: EventRow;
  highlights: HighlightRow;
  memory_chunks: MemoryChunkRow;
  skips: SkipRow;
  endpoint_calls: EndpointCallRow;
}

export type TableName = keyof RowsByTable;
