/**
 * TypeScript shapes of the endpoint contracts. They mirror runpod-handlers/contracts/*.schema.json (the single
 * source of truth, validated at runtime by ./validate.ts); keep both in step when a contract changes.
 */
export const MODEL_NAMES = ['yolo', 'whisper', 'vlm', 'emotion', 'diarization'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export function isModelName(x: string): x is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(x);
}

// ---- detection (yolo) ----
export interface YoloInput {
  /** base64 JPEG/PNG without a data: prefix. */
  images: string[];
  conf?: number;
  iou?: number;
  classes?: number[] | null;
  max_det?: number;
  model?: string;
}
export interface YoloDetection {
  bbox: [number, number, number, number];
  confidence: number;
  class: number;
  class_name: string;
}
export interface YoloOutput {
  results: { width?: number; height?: number; detections: YoloDetection[] }[];
  model: string;
  inference_ms?: number;
}

// ---- emotion ----
export const EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type Emotion = (typeof EMOTIONS)[number];
export interface EmotionInput {
  faces: string[];
  model?: string;
}
export interface EmotionOutput {
  results: { emotion: Emotion; scores: Partial<Record<Emotion, number>> }[];
  model?: string;
  inference_ms?: number;
}

// ---- whisper (RunPod worker-faster_whisper) ----
export interface WhisperInput {
  audio?: string;
  audio_base64?: string;
  model?: string;
  transcription?: 'plain_text' | 'formatted_text' | 'srt' | 'vtt';
  translate?: boolean;
  language?: string | null;
  temperature?: number;
  best_of?: number;
  beam_size?: number;
  patience?: number;
  length_penalty?: number;
  suppress_tokens?: string;
  initial_prompt?: string | null;
  condition_on_previous_text?: boolean;
  temperature_increment_on_fallback?: number;
  compression_ratio_threshold?: number;
  logprob_threshold?: number;
  no_speech_threshold?: number;
  enable_vad?: boolean;
  word_timestamps?: boolean;
}
export interface WhisperSegment {
  id: number;
  seek?: number;
  start: number;
  end: number;
  text: string;
  tokens?: number[];
  temperature?: number;
  avg_logprob?: number;
  compression_ratio?: number;
  no_speech_prob?: number;
}
export interface WhisperOutput {
  segments: WhisperSegment[];
  detected_language?: string | null;
  transcription: string;
  translation?: string | null;
  device?: string;
  model?: string;
  word_timestamps?: { word: string; start: number; end: number; probability?: number }[];
}

// ---- vlm (RunPod worker-vllm through /run with the OpenAI route) ----
export type VlmContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export interface VlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | VlmContentPart[];
}
export interface VlmInput {
  openai_route: '/v1/chat/completions';
  openai_input: {
    model: string;
    messages: VlmMessage[];
    max_tokens: number;
    temperature?: number;
    response_format?: Record<string, unknown>;
    stream?: false;
  };
}
export interface VlmChatCompletion {
  id?: string;
  object?: string;
  model: string;
  choices: { index?: number; finish_reason?: string | null; message: { role?: string; content: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
}
export type VlmOutput = VlmChatCompletion[];
/** The JSON our prompt asks the VLM to write into choices[0].message.content. */
export interface VlmReply {
  description: string;
  clip_worthy_score: number;
  tags: string[];
  emotions?: string[];
}

// ---- diarization ----
export interface DiarizationInput {
  audio_base64: string;
  num_speakers?: number;
  min_speakers?: number;
  max_speakers?: number;
}
export interface DiarizationOutput {
  segments: { start: number; end: number; speaker: string }[];
  /**
   * One embedding per local speaker of this window (absent from old handlers): the client links local
   * speakers across windows by cosine similarity. Any dimension; compare only vectors of one model.
   */
  embeddings?: { speaker: string; vector: number[] }[];
  model?: string;
  num_speakers?: number;
}

export interface ModelInputs {
  yolo: YoloInput;
  whisper: WhisperInput;
  vlm: VlmInput;
  emotion: EmotionInput;
  diarization: DiarizationInput;
}
export interface ModelOutputs {
  yolo: YoloOutput;
  whisper: WhisperOutput;
  vlm: VlmOutput;
  emotion: EmotionOutput;
  diarization: DiarizationOutput;
}
