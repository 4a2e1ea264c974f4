/**
 * A local inference worker: what the RunPod emulator runs behind an endpoint id. `handle` receives the
 * RunPod job's `input` (already validated against runpod-handlers/contracts/<model>.input.schema.json) and
 * returns the job's `output` (valid against <model>.output.schema.json). Heavy work runs off the event loop
 * (worker_threads or a child process) so the emulator's HTTP server stays responsive.
 */
export interface JobContext {
  jobId: string;
  /** Aborted when the job is cancelled or its TTL/executionTimeout expires. */
  signal: AbortSignal;
}

export interface LocalModel {
  /** Reported as `model` in outputs, e.g. "human-centernet-coco (local CPU)". */
  readonly model: string;
  /** Load weights once; called before the first job (the emulator's cold start). */
  init(): Promise<void>;
  handle(input: unknown, ctx: JobContext): Promise<unknown>;
  /** Release threads/processes. Idempotent. */
  close(): Promise<void>;
}

/** Names a config file may use for `backend:`. */
export type LocalModelName = 'stub' | 'yolo' | 'emotion' | 'whisper' | 'vlm' | 'diarization';
