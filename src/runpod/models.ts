/**
 * Model defaults, in one place: what every request names when the caller does not say otherwise.
 * Environment overrides: RUNPOD_VLM_MODEL, RUNPOD_WHISPER_MODEL.
 */
export interface ModelDefaults {
  detection: { conf: number; iou: number };
  /**
   * worker-faster_whisper runs its schema default ("base") unless the request names a model; our handler
   * (runpod-handlers/whisper) bakes large-v3-turbo in, which faster-whisper calls "turbo".
   */
  whisper: { model: string };
  /** worker-vllm needs the served model's name; max_tokens is always sent (vLLM's 16 truncates the JSON). */
  vlm: { model: string; maxTokens: number; temperature: number };
}

export const MODEL_DEFAULTS: ModelDefaults = {
  detection: { conf: 0.25, iou: 0.45 },
  whisper: { model: 'turbo' },
  vlm: { model: 'Qwen/Qwen2.5-VL-7B-Instruct', maxTokens: 300, temperature: 0.2 },
};

export function modelDefaultsFromEnv(env: Record<string, string | undefined> = process.env): ModelDefaults {
  return {
    detection: { ...MODEL_DEFAULTS.detection },
    whisper: { model: env.RUNPOD_WHISPER_MODEL || MODEL_DEFAULTS.whisper.model },
    vlm: { ...MODEL_DEFAULTS.vlm, model: env.RUNPOD_VLM_MODEL || MODEL_DEFAULTS.vlm.model },
  };
}
