/**
 * What the analysis stages need from the rest of the system, stated as small interfaces the stages own.
 * The real inference client, tracker, prosody module, store and bus are wired in through adapters
 * (src/analyze/adapters.ts); tests wire fakes. Keeping the stages behind these ports means a stage's policy
 * (batching, windowing, triggers, degradation) is testable without a database, a GPU or GStreamer.
 */
import type { Detection } from '../types';

// ---------------------------------------------------------------- inference

/** What a successful call cost, when the port knows (RunPod job id, GPU seconds incl. overhead, USD). */
export interface CallBilling {
  callId: string;
  model: string;
  gpuSeconds: number;
  costUsd: number;
}

export interface DetectReply {
  /** One list per input image, in input order. */
  perImage: Detection[][];
  model: string;
  billing?: CallBilling;
}

export interface DetectPort {
  detect(streamId: string, jpegs: Buffer[], signal?: AbortSignal): Promise<DetectReply>;
}

/** A recognised word with times in seconds relative to the start of the audio that was sent. */
export interface RecognisedWord {
  word: string;
  startS: number;
  endS: number;
  probability?: number;
}

export interface TranscribeReply {
  words: RecognisedWord[];
  /** Segments as the ASR returned them (seconds relative to the sent audio); used when there are no word times. */
  segments: { startS: number; endS: number; text: string; confidence?: number }[];
  model: string;
  billing?: CallBilling;
}

export interface TranscribePort {
  /** The adapter encodes `pcm` (S16 mono) as WAV for the endpoint. */
  transcribe(streamId: string, pcm: Int16Array, sampleRate: number, signal?: AbortSignal): Promise<TranscribeReply>;
}

export interface DescribeRequest {
  system: string;
  user: string;
  images: Buffer[];
  maxTokens: number;
}

export interface DescribeReply {
  /** The raw `choices[0].message.content`: the stage validates it, the port does not. */
  content: string;
  model: string;
  billing?: CallBilling;
}

export interface DescribePort {
  describe(streamId: string, req: DescribeRequest, signal?: AbortSignal): Promise<DescribeReply>;
}

// ---------------------------------------------------------------- tracking, prosody

/** Per-stream multi-object tracker; state must be plain JSON so a lease holder can hand it over. */
export interface TrackerPort {
  /**
   * Returns the input detections, same length and order, each with `trackId` set when the tracker assigned
   * it to an active track (low-score or unmatched boxes keep `trackId` undefined).
   */
  update(detections: Detection[], ptsUs: number): Detection[];
  snapshot(): unknown;
}

export type TrackerFactory = (streamId: string, snapshot?: unknown) => TrackerPort;

/** The prosody summary stored as JSONB; the stage only relies on the two fields named here. */
export interface ProsodySummary {
  rmsDb: number;
  f0MedianHz: number | null;
  [key: string]: unknown;
}

export interface ProsodyPort {
  analyze(pcm: Int16Array, sampleRate: number): ProsodySummary;
  isSilent(pcm: Int16Array, sampleRate: number): boolean;
}

// ---------------------------------------------------------------- results

export interface FrameRow {
  streamId: string; ptsUs: number; ts: number; width: number; height: number;
  /** JPEG size. */
  bytes?: number | null;
  /** Scene-change distance (0..1) to the previous sampled frame, when the VLM stage sampled this one. */
  sceneScore?: number | null;
}

export interface DetectionRow {
  streamId: string; ptsUs: number; ts: number;
  /** Position in the frame's result list: with (streamId, ptsUs) the idempotency key. */
  detIdx: number;
  classId: number; className: string; confidence: number;
  bbox: [number, number, number, number]; trackId: number | null;
}

export interface AudioSegmentRow {
  streamId: string; ptsUs: number; ts: number; startUs: number; endUs: number;
  text: string; confidence: number | null; speakerId: string | null;
  prosody: ProsodySummary | null; isSilence: boolean;
}

export interface EventRow {
  streamId: string; ptsUs: number; ts: number; startUs: number; endUs: number;
  description: string; tags: string[]; clipWorthyScore: number; model: string;
}

export interface MemoryChunkRow { streamId: string; ptsUs: number; ts: number; startUs: number; endUs: number; text: string; source: string }

export type Stage = 'detection' | 'audio' | 'vlm';

/** Why a frame or chunk was not analysed; stored so an operator can query what was lost and why. */
export interface SkipRecord {
  streamId: string;
  stage: Stage;
  /** Frame pts or chunk start. */
  ptsUs: number;
  /** Chunk end for audio; equal to ptsUs for frames. */
  endUs: number;
  ts: number;
  reason: SkipReason;
  detail?: string;
}

export type SkipReason = 'endpoint_error' | 'breaker_open' | 'spend_cap' | 'queue_full' | 'invalid_reply' | 'shutdown';

export interface EndpointCallRecord {
  streamId: string;
  endpoint: 'yolo' | 'whisper' | 'vlm';
  /** Media time of the first item of the call. */
  ptsUs: number;
  ok: boolean;
  error?: string;
  ms: number;
  billing?: CallBilling;
}

export interface ResultSink {
  writeFrames(rows: FrameRow[]): Promise<void>;
  writeDetections(rows: DetectionRow[]): Promise<void>;
  writeAudioSegments(rows: AudioSegmentRow[]): Promise<void>;
  writeEvents(rows: EventRow[]): Promise<void>;
  writeMemoryChunks(rows: MemoryChunkRow[]): Promise<void>;
  recordSkip(skip: SkipRecord): Promise<void>;
  recordEndpointCall(call: EndpointCallRecord): Promise<void>;
}

/** Result topics; the Redis key is `<topic>:<streamId>` (DESIGN.md). */
export type ResultTopic = 'detections' | 'transcripts' | 'events';

export interface Publisher {
  publish(topic: ResultTopic, streamId: string, payload: Record<string, unknown>): Promise<void>;
}

/** Everything a stage needs; each stage takes the subset it uses. */
export interface StagePorts {
  sink: ResultSink;
  publisher: Publisher;
}
