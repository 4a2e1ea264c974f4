/**
 * The one inference layer: a typed client per endpoint contract on top of RunpodClient (production
 * endpoints or the local emulator). Each call builds the contract's input from the model defaults
 * (src/runpod/models.ts), validates both ways (the client does, against runpod-handlers/contracts), and
 * returns the typed result plus what the call cost (job ids, GPU seconds, USD) for the endpoint_calls rows.
 * Stages depend on the narrow `*Port` views of this class; tests hand them fakes of the same shape.
 */
import type { CallOptions, CallResult, RunpodClient } from './client';
import type { CostRecord, CostSnapshot } from './cost';
import {
  parseVlmReply,
  type DiarizationOutput,
  type EmotionOutput,
  type ModelName,
  type ParsedVlmReply,
  type VlmContentPart,
  type VlmInput,
  type VlmMessage,
  type WhisperInput,
  type WhisperOutput,
  type YoloInput,
} from './contracts';
import { MODEL_DEFAULTS, type ModelDefaults } from './models';

/** JPEG/PNG/WAV bytes, or the same already base64-encoded (no data: prefix). */
export type Media = Buffer | Uint8Array | string;

const b64 = (m: Media): string => (typeof m === 'string' ? m : Buffer.from(m).toString('base64'));

/** What a call cost, when it reached an endpoint (absent when served from the content cache). */
export interface Billing {
  /** RunPod job id(s), '+'-joined when a batch was split. */
  callId: string;
  model: string;
  gpuSeconds: number;
  costUsd: number;
}

export interface DetectedBox {
  /** [x1, y1, x2, y2] pixels. */
  bbox: [number, number, number, number];
  confidence: number;
  classId: number;
  className: string;
}

export interface DetectResult {
  /** One list per input image, in input order. */
  perImage: DetectedBox[][];
  model: string;
  billing?: Billing;
}

export interface RecognisedWord { word: string; startS: number; endS: number; probability?: number }

export interface TranscribeResult {
  /** Times in seconds relative to the start of the sent audio. */
  words: RecognisedWord[];
  segments: { startS: number; endS: number; text: string; confidence?: number }[];
  language: string | null;
  model: string;
  billing?: Billing;
}

export interface DescribeResult {
  /** The raw `choices[0].message.content`. */
  content: string;
  /** The content read against the reply schema: an invalid reply is a result, not an exception. */
  reply: ParsedVlmReply;
  model: string;
  billing?: Billing;
}

export interface EmotionsResult { output: EmotionOutput; model: string; billing?: Billing }
export interface DiarizeResult { output: DiarizationOutput; model: string; billing?: Billing }

export interface DetectOptions extends CallOptions {
  conf?: number;
  iou?: number;
  classes?: number[] | null;
  maxDet?: number;
}

export interface TranscribeOptions extends CallOptions {
  /** Default true: stages need word times. */
  wordTimestamps?: boolean;
  language?: string | null;
  model?: string;
  enableVad?: boolean;
  initialPrompt?: string;
}

export type DescribeRequest =
  | { prompt: string; images?: Media[]; system?: string; imageMime?: 'image/jpeg' | 'image/png' }
  | { messages: VlmMessage[] };

export interface DescribeOptions extends Omit<CallOptions, 'mode'> {
  model?: string;
  maxTokens?: number;
  temperature?: number;
}

/** The instruction that makes the VLM answer in our reply schema (vlm.reply.schema.json). */
export const VLM_JSON_INSTRUCTION =
  'Answer with one JSON object only, no prose: {"description": string, "clip_worthy_score": number 0..1, "tags": [string], "emotions": [string]}.';

/** The narrow views stages depend on. */
export type DetectPort = Pick<InferenceClient, 'detect'>;
export type TranscribePort = Pick<InferenceClient, 'transcribe'>;
export type DescribePort = Pick<InferenceClient, 'describe'>;

export class InferenceClient {
  private readonly defaults: ModelDefaults;
  /** Cost records arrive (synchronously, inside call()) before call() resolves: kept by job id until read. */
  private readonly costByJob = new Map<string, CostRecord>();
  private readonly onCost = (rec: CostRecord) => {
    this.costByJob.set(rec.jobId, rec);
    if (this.costByJob.size > 10_000) this.costByJob.delete(this.costByJob.keys().next().value as string);
  };

  constructor(readonly runpod: RunpodClient, defaults: Partial<ModelDefaults> = {}) {
    this.defaults = { ...MODEL_DEFAULTS, ...defaults };
    runpod.cost.on('cost', this.onCost);
  }

  get modelDefaults(): ModelDefaults { return this.defaults; }

  /** Detection through /runsync by default: one round trip instead of /run + /status per batch of frames. */
  async detect(images: Media[], opts: DetectOptions = {}): Promise<DetectResult> {
    const input: YoloInput = {
      images: images.map(b64), conf: opts.conf ?? this.defaults.detection.conf, iou: opts.iou ?? this.defaults.detection.iou, classes: opts.classes ?? null,
    };
    if (opts.maxDet !== undefined) input.max_det = opts.maxDet;
    const res = await this.runpod.call('yolo', input, { mode: 'runsync', ...opts });
    const perImage = res.output.results.map((r) => r.detections.map((d): DetectedBox => ({
      bbox: [d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3]], confidence: d.confidence, classId: d.class, className: d.class_name,
    })));
    return { perImage, model: res.output.model, billing: this.billing(res.output.model, res) };
  }

  async transcribe(wav: Media, opts: TranscribeOptions = {}): Promise<TranscribeResult> {
    const input: WhisperInput = {
      audio_base64: b64(wav), word_timestamps: opts.wordTimestamps ?? true, transcription: 'plain_text',
      // Always named: a worker-faster_whisper endpoint otherwise runs its default "base" model.
      model: opts.model ?? this.defaults.whisper.model,
    };
    if (opts.language !== undefined) input.language = opts.language;
    if (opts.enableVad !== undefined) input.enable_vad = opts.enableVad;
    if (opts.initialPrompt) input.initial_prompt = opts.initialPrompt;
    const res = await this.runpod.call('whisper', input, { mode: 'runsync', ...opts });
    const out: WhisperOutput = res.output;
    const model = out.model ?? input.model ?? 'whisper';
    return {
      words: (out.word_timestamps ?? []).map((w) => ({ word: w.word, startS: w.start, endS: w.end, probability: w.probability })),
      segments: out.segments.map((s) => ({ startS: s.start, endS: s.end, text: s.text, confidence: s.avg_logprob !== undefined ? Math.exp(s.avg_logprob) : undefined })),
      language: out.detected_language ?? null,
      model,
      billing: this.billing(model, res),
    };
  }

  async emotions(faces: Media[], opts: CallOptions = {}): Promise<EmotionsResult> {
    const res = await this.runpod.call('emotion', { faces: faces.map(b64) }, opts);
    const model = res.output.model ?? 'emotion';
    return { output: res.output, model, billing: this.billing(model, res) };
  }

  async diarize(wav: Media, opts: CallOptions & { numSpeakers?: number } = {}): Promise<DiarizeResult> {
    const res = await this.runpod.call('diarization', { audio_base64: b64(wav), ...(opts.numSpeakers ? { num_speakers: opts.numSpeakers } : {}) }, opts);
    const model = res.output.model ?? 'diarization';
    return { output: res.output, model, billing: this.billing(model, res) };
  }

  /**
   * VLM through `/run` with worker-vllm's OpenAI route (so executionTime is reported for the cost meter),
   * images as data-URL `image_url` parts, max_tokens always set. Never served from the content cache: a
   * retry after an invalid reply must reach the model again.
   */
  async describe(req: DescribeRequest, opts: DescribeOptions = {}): Promise<DescribeResult> {
    const messages = 'messages' in req ? req.messages : buildMessages(req);
    const input: VlmInput = {
      openai_route: '/v1/chat/completions',
      openai_input: {
        model: opts.model ?? this.defaults.vlm.model, messages, max_tokens: opts.maxTokens ?? this.defaults.vlm.maxTokens,
        temperature: opts.temperature ?? this.defaults.vlm.temperature, stream: false,
      },
    };
    const res = await this.runpod.call('vlm', input, { cache: false, ...opts, mode: 'run' });
    const completion = res.output[0];
    const content = completion?.choices[0]?.message.content ?? '';
    const model = completion?.model ?? input.openai_input.model;
    return { content, reply: parseVlmReply(content), model, billing: this.billing(model, res) };
  }

  costs(): CostSnapshot {
    return this.runpod.cost.snapshot();
  }

  /** Stops listening to the cost meter; the RunPod client stays open (it may be shared). */
  detach(): void {
    this.runpod.cost.off('cost', this.onCost);
  }

  async close(): Promise<void> {
    this.detach();
    await this.runpod.close();
  }

  private billing(model: string, res: CallResult<unknown>): Billing | undefined {
    if (res.cached || !res.jobs.length) return undefined;
    let gpuSeconds = 0;
    let costUsd = 0;
    for (const j of res.jobs) {
      const c = this.costByJob.get(j.id);
      this.costByJob.delete(j.id);
      gpuSeconds += c?.gpuSeconds ?? 0;
      costUsd += c?.usd ?? 0;
    }
    return { callId: res.jobs.map((j) => j.id).join('+'), model, gpuSeconds, costUsd };
  }
}

function buildMessages(req: { prompt: string; images?: Media[]; system?: string; imageMime?: string }): VlmMessage[] {
  const mime = req.imageMime ?? 'image/jpeg';
  const parts: VlmContentPart[] = (req.images ?? []).map((img) => ({ type: 'image_url', image_url: { url: `data:${mime};base64,${b64(img)}` } }));
  parts.push({ type: 'text', text: `${req.prompt}\n${VLM_JSON_INSTRUCTION}` });
  const msgs: VlmMessage[] = [];
  if (req.system) msgs.push({ role: 'system', content: req.system });
  msgs.push({ role: 'user', content: parts });
  return msgs;
}

export type { ModelName };
