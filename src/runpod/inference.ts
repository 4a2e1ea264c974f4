import type { CallOptions, RunpodClient } from './client';
import {
  type DiarizationOutput,
  type EmotionOutput,
  type VlmChatCompletion,
  type VlmContentPart,
  type VlmInput,
  type VlmMessage,
  type VlmReply,
  type WhisperInput,
  type WhisperOutput,
  type YoloInput,
  type YoloOutput,
  validateVlmReply,
} from './contracts';
import { RunpodContractError } from './errors';
import type { CostSnapshot } from './cost';

/** JPEG/PNG/WAV bytes, or the same already base64-encoded (no data: prefix). */
export type Media = Buffer | Uint8Array | string;

const b64 = (m: Media): string => (typeof m === 'string' ? m : Buffer.from(m).toString('base64'));

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
  /** Always sent: vLLM's default (16) truncates the JSON. */
  maxTokens?: number;
  temperature?: number;
}

export interface DescribeResult {
  reply: VlmReply;
  completion: VlmChatCompletion;
}

/** The instruction that makes the VLM answer in our reply schema (vlm.reply.schema.json). */
export const VLM_JSON_INSTRUCTION =
  'Answer with one JSON object only, no prose: {"description": string, "clip_worthy_score": number 0..1, "tags": [string], "emotions": [string]}.';

/**
 * Typed, validated model calls on top of RunpodClient: each builds the contract's input, validates it and the
 * reply against runpod-handlers/contracts, and returns the typed output.
 */
export class InferenceClient {
  constructor(readonly runpod: RunpodClient, private readonly defaults: { vlmModel: string } = { vlmModel: 'Qwen/Qwen2.5-VL-7B-Instruct' }) {}

  async detect(images: Media[], opts: DetectOptions = {}): Promise<YoloOutput> {
    const input: YoloInput = { images: images.map(b64), conf: opts.conf ?? 0.25, iou: opts.iou ?? 0.45, classes: opts.classes ?? null };
    if (opts.maxDet !== undefined) input.max_det = opts.maxDet;
    return (await this.runpod.call('yolo', input, opts)).output;
  }

  async emotions(faces: Media[], opts: CallOptions = {}): Promise<EmotionOutput> {
    return (await this.runpod.call('emotion', { faces: faces.map(b64) }, opts)).output;
  }

  async transcribe(wav: Media, opts: TranscribeOptions = {}): Promise<WhisperOutput> {
    const input: WhisperInput = { audio_base64: b64(wav), word_timestamps: opts.wordTimestamps ?? true, transcription: 'plain_text' };
    if (opts.language !== undefined) input.language = opts.language;
    // Always name the model: the official worker defaults to "base", our image to large-v3-turbo.
    input.model = opts.model ?? 'turbo';
    if (opts.enableVad !== undefined) input.enable_vad = opts.enableVad;
    if (opts.initialPrompt) input.initial_prompt = opts.initialPrompt;
    return (await this.runpod.call('whisper', input, opts)).output;
  }

  async diarize(wav: Media, opts: CallOptions & { numSpeakers?: number } = {}): Promise<DiarizationOutput> {
    return (await this.runpod.call('diarization', { audio_base64: b64(wav), ...(opts.numSpeakers ? { num_speakers: opts.numSpeakers } : {}) }, opts)).output;
  }

  /**
   * VLM through `/run` with worker-vllm's OpenAI route (so executionTime is reported for the cost meter),
   * images as data-URL `image_url` parts; the reply's JSON is parsed and validated.
   */
  async describe(req: DescribeRequest, opts: DescribeOptions = {}): Promise<DescribeResult> {
    const messages = 'messages' in req ? req.messages : buildMessages(req);
    const input: VlmInput = {
      openai_route: '/v1/chat/completions',
      openai_input: { model: opts.model ?? this.defaults.vlmModel, messages, max_tokens: opts.maxTokens ?? 512, temperature: opts.temperature ?? 0.2, stream: false },
    };
    const res = await this.runpod.call('vlm', input, { ...opts, mode: 'run' });
    const completion = res.output[0];
    const content = completion.choices[0]?.message.content ?? '';
    const endpointId = res.jobs[0]?.endpointId;
    let parsed: unknown;
    try {
      parsed = JSON.parse(stripFences(content));
    } catch {
      throw new RunpodContractError(`VLM reply is not JSON: ${content.slice(0, 120)}`, ['content: not JSON'], endpointId, res.jobs[0]?.id);
    }
    const reply = validateVlmReply(parsed);
    if (!reply.ok) throw new RunpodContractError(`VLM reply JSON does not match vlm.reply.schema.json: ${reply.errors.join('; ')}`, reply.errors, endpointId, res.jobs[0]?.id);
    return { reply: reply.value, completion };
  }

  costs(): CostSnapshot {
    return this.runpod.cost.snapshot();
  }

  close(): Promise<void> {
    return this.runpod.close();
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

/** Models often wrap JSON in ```json fences despite the instruction. */
function stripFences(s: string): string {
  const m = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(s);
  return m ? m[1] : s.trim();
}
