import { VideoAgentError } from '../../errors';
import { requireObject, requireStringArray } from '../input-guard';
import { siblingModule, ThreadClient } from '../runtime/threads/thread-client';
import type { JobContext, LocalModel } from '../types';
import type { EmotionResult } from './emotion-labels';
import type { EmotionThreadRequest, EmotionThreadResponse, FaceCrop, FaceCropOptions } from './emotion-protocol';

export interface FaceEmotionClassifierOptions {
  /** Load the SSD face detector too, enabling `cropFaces` (default true; +~6 MB, +~0.2 s init). */
  faceDetector?: boolean;
}

export interface EmotionOutput {
  results: EmotionResult[];
  model: string;
  inference_ms: number;
}

export interface FaceCropResult {
  width: number;
  height: number;
  faces: FaceCrop[];
}

const abortNever = new AbortController().signal;

/** `emotion` endpoint: 7-class facial expression of each face crop, in order. */
export class FaceEmotionClassifier implements LocalModel {
  readonly model = 'face-api-face-expression (local CPU)';
  private readonly thread: ThreadClient<EmotionThreadRequest, EmotionThreadResponse>;

  constructor(opts: FaceEmotionClassifierOptions = {}) {
    this.thread = new ThreadClient(siblingModule(__dirname, 'emotion-thread'), { faceDetector: opts.faceDetector ?? true }, 'emotion');
  }

  init(): Promise<void> {
    return this.thread.start();
  }

  async handle(input: unknown, ctx: JobContext): Promise<EmotionOutput> {
    const faces = requireStringArray(requireObject(input, 'emotion').faces, 'faces', 128);
    const started = performance.now();
    const res = await this.thread.call({ op: 'classify', faces }, ctx.signal);
    if (res.op !== 'classify') throw new VideoAgentError('E_WORKER_INTERNAL', 'emotion thread answered the wrong request');
    return { results: res.results, model: this.model, inference_ms: Math.round((performance.now() - started) * 10) / 10 };
  }

  /**
   * Finds faces in a full frame (base64 JPEG/PNG) and returns JPEG crops for `handle`'s `faces`, so a stage
   * can turn frames into emotion requests without a separate face endpoint.
   */
  async cropFaces(imageBase64: string, options: FaceCropOptions = {}, signal: AbortSignal = abortNever): Promise<FaceCropResult> {
    const res = await this.thread.call({
      op: 'crop',
      image: imageBase64,
      options: { minConfidence: options.minConfidence ?? 0.5, margin: options.margin ?? 0.1, maxFaces: options.maxFaces ?? 16 },
    }, signal);
    if (res.op !== 'crop') throw new VideoAgentError('E_WORKER_INTERNAL', 'emotion thread answered the wrong request');
    return { width: res.width, height: res.height, faces: res.faces };
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
