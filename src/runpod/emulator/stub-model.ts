import { setTimeout as sleep } from 'node:timers/promises';
import type { JobContext, LocalModel } from '../../local-models/types';
import type { ModelName, ModelOutputs } from '../contracts';

/**
 * Timing of the stub: `baseMs + perItemMs × n` where n = images/faces in the batch (1 otherwise). With
 * `chunks` > 0 the stub is a generator handler: it yields that many outputs spread over the same time.
 */
export interface StubTiming {
  baseMs: number;
  perItemMs: number;
  chunks?: number;
}

/** One output of the streaming stub: its position, so a reader can check order and completeness. */
export interface StubChunk {
  chunk: number;
  of: number;
  model: string;
}

/** Batch size of an input, the `n` of the stub's timing and of the cost model. */
export function itemCount(input: unknown): number {
  if (input && typeof input === 'object') {
    const o = input as Record<string, unknown>;
    if (Array.isArray(o.images)) return o.images.length;
    if (Array.isArray(o.faces)) return o.faces.length;
  }
  return 1;
}

/** Seconds of audio in a base64 WAV from its header (0 when it is not a plain PCM WAV). */
export function wavDurationS(b64: unknown): number {
  if (typeof b64 !== 'string') return 0;
  const head = Buffer.from(b64.slice(0, 64), 'base64');
  if (head.length < 44 || head.toString('ascii', 0, 4) !== 'RIFF') return 0;
  const byteRate = head.readUInt32LE(28);
  const bytes = Math.floor((b64.length * 3) / 4) - 44;
  return byteRate > 0 ? Math.max(0, bytes / byteRate) : 0;
}

/**
 * Schema-valid output for each contract, after a modelled delay: the "0 ms model" the benchmarks use to
 * measure our own overhead, and the worker behind endpoints whose real model does not run locally.
 */
export class StubModel implements LocalModel {
  readonly model: string;

  constructor(private readonly contract: ModelName, private readonly timing: StubTiming = { baseMs: 0, perItemMs: 0 }, label?: string) {
    this.model = label ?? `stub-${contract}`;
  }

  /** Whether jobs go through `stream` (a generator handler) rather than `handle`. */
  get streams(): boolean {
    return (this.timing.chunks ?? 0) > 0;
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async handle(input: unknown, ctx: JobContext): Promise<unknown> {
    const delay = this.delayMs(input);
    if (delay > 0) await sleep(delay, undefined, { signal: ctx.signal });
    return this.output(input, delay);
  }

  /** The generator form (runpod-python: each yield goes to /stream). */
  async *stream(input: unknown, ctx: JobContext): AsyncGenerator<StubChunk> {
    const n = Math.max(1, this.timing.chunks ?? 1);
    const step = this.delayMs(input) / n;
    for (let i = 0; i < n; i++) {
      if (step > 0) await sleep(step, undefined, { signal: ctx.signal });
      ctx.signal.throwIfAborted();
      yield { chunk: i, of: n, model: this.model };
    }
  }

  private delayMs(input: unknown): number {
    return this.timing.baseMs + this.timing.perItemMs * itemCount(input);
  }

  private output(input: unknown, delayMs: number): ModelOutputs[ModelName] {
    const o = (input ?? {}) as Record<string, unknown>;
    switch (this.contract) {
      case 'yolo':
        return {
          results: (o.images as unknown[]).map(() => ({
            detections: [{ bbox: [10, 20, 110, 220], confidence: 0.9, class: 0, class_name: 'person' }],
          })),
          model: this.model,
          inference_ms: delayMs,
        };
      case 'emotion':
        return {
          results: (o.faces as unknown[]).map(() => ({ emotion: 'neutral' as const, scores: { neutral: 0.8, happy: 0.1, sad: 0.1 } })),
          model: this.model,
          inference_ms: delayMs,
        };
      case 'whisper': {
        const end = Math.max(0.5, wavDurationS(o.audio_base64));
        const out: ModelOutputs['whisper'] = {
          segments: [{ id: 0, seek: 0, start: 0, end, text: ' stub transcript', tokens: [], temperature: 0, avg_logprob: -0.1, compression_ratio: 1, no_speech_prob: 0 }],
          detected_language: 'en',
          transcription: 'stub transcript',
          translation: null,
          device: 'cpu',
          model: this.model,
        };
        if (o.word_timestamps === true) out.word_timestamps = [{ word: ' stub', start: 0, end: end / 2 }, { word: ' transcript', start: end / 2, end }];
        return out;
      }
      case 'vlm': {
        const reply = { description: 'stub description of the scene', clip_worthy_score: 0.1, tags: ['stub'], emotions: [] };
        return [
          {
            id: 'chatcmpl-stub',
            object: 'chat.completion',
            model: this.model,
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: JSON.stringify(reply) } }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          },
        ];
      }
      case 'diarization': {
        const end = Math.max(0.5, wavDurationS(o.audio_base64));
        return { segments: [{ start: 0, end, speaker: 'SPEAKER_00' }], model: this.model, num_speakers: 1 };
      }
    }
  }
}
