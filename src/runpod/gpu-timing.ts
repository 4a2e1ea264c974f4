/**
 * Modelled GPU execution time per call, `baseMs + perItemMs × items (+ perOutputTokenMs × output tokens)`, per
 * model and GPU type: what the cost meter books when the calls ran on the local emulator's CPU models, whose
 * executionTime says nothing about a GPU. Every figure is an ESTIMATE fitted to the "Expected latency" tables of
 * the handlers' READMEs (runpod-handlers/<model>/README.md: estimates, not measured, no GPU in CI), taking the
 * middle of each range and solving the two rows for base and slope. Items: images (yolo), face crops (emotion),
 * audio seconds (whisper, diarization), images + output tokens (vlm).
 */
import type { ModelName } from './contracts';
import type { GpuType } from './prices';

export interface GpuTiming {
  baseMs: number;
  perItemMs: number;
  /** VLM only: decode time per output token. */
  perOutputTokenMs?: number;
}

export const ITEM_UNIT: Record<ModelName, string> = {
  yolo: 'image',
  emotion: 'face',
  whisper: 'audio s',
  vlm: 'image',
  diarization: 'audio s',
};

export const GPU_TIMING: Record<ModelName, Partial<Record<GpuType, GpuTiming>>> = {
  // runpod-handlers/yolo/README.md: L4 1 × 720p ~30–50 ms, 8 × 720p ~120–200 ms (mid 40 / 160 → 23 + 17/image);
  // A4000 8 × 720p ~180–300 ms (mid 240 = 1.5 × L4, both figures scaled).
  yolo: {
    L4: { baseMs: 23, perItemMs: 17 },
    A4000: { baseMs: 34, perItemMs: 26 },
  },
  // runpod-handlers/emotion/README.md: A4000 1 crop ~10–20 ms, 16 crops ~30–60 ms (mid 15 / 45 → 13 + 2/face);
  // L4 16 crops ~25–50 ms (mid 37.5; same base, slope from that row).
  emotion: {
    A4000: { baseMs: 13, perItemMs: 2 },
    L4: { baseMs: 11, perItemMs: 1.66 },
  },
  // runpod-handlers/whisper/README.md (large-v3-turbo fp16, beam 5): L4 5 s chunk ~0.3–0.6 s, 60 s ~2–4 s
  // (mid 0.45 / 3 s → 220 ms + 46 ms per audio second); A4000 60 s ~3–5 s (4/3 × L4); 4090 60 s ~1.5–2.5 s (2/3 × L4).
  whisper: {
    L4: { baseMs: 220, perItemMs: 46 },
    A4000: { baseMs: 290, perItemMs: 62 },
    '4090': { baseMs: 147, perItemMs: 31 },
  },
  // runpod-handlers/vlm/README.md: 4 frames + ~300 output tokens: A6000/A40 ~6–9 s, L40S ~4–6 s, H100 ~2.5–4 s,
  // L4 ~12–18 s; "decode ~40–100 tok/s". Split of the A6000 mid (7.5 s): 50 tok/s → 20 ms/token (6 s), the rest
  // 1.5 s = 300 ms base + 4 × 300 ms per image; other rows scaled by their mid total. A100 has no README row:
  // interpolated between L40S and H100 (~4 s total), the roughest figure here.
  vlm: {
    A6000: { baseMs: 300, perItemMs: 300, perOutputTokenMs: 20 },
    A40: { baseMs: 300, perItemMs: 300, perOutputTokenMs: 20 },
    L40S: { baseMs: 200, perItemMs: 200, perOutputTokenMs: 13.3 },
    L40: { baseMs: 200, perItemMs: 200, perOutputTokenMs: 13.3 },
    A100: { baseMs: 160, perItemMs: 160, perOutputTokenMs: 10.7 },
    H100: { baseMs: 130, perItemMs: 130, perOutputTokenMs: 8.7 },
    L4: { baseMs: 600, perItemMs: 600, perOutputTokenMs: 40 },
  },
  // runpod-handlers/diarization/README.md (pyannote 3.1, ~2.5% real-time factor): L4 10 min ~15–25 s, 1 h
  // ~1.5–2.5 min (mid 20 s / 120 s → 0 base, 33 ms per audio second); A4000 30 s window ~1–2 s (50 ms per second).
  diarization: {
    L4: { baseMs: 0, perItemMs: 33 },
    A4000: { baseMs: 0, perItemMs: 50 },
  },
};

/** What one call is made of, for the timing model. */
export interface CallItems {
  items: number;
  outputTokens: number;
}

/** Seconds of audio in a base64 WAV from its header (0 when it is not a plain PCM WAV). */
function wavSeconds(b64: unknown): number {
  if (typeof b64 !== 'string' || b64.length < 60) return 0;
  const head = Buffer.from(b64.slice(0, 60), 'base64');
  if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return 0;
  const byteRate = head.readUInt32LE(28);
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  const bytes = (b64.length / 4) * 3 - padding - 44;
  return byteRate > 0 ? Math.max(0, bytes / byteRate) : 0;
}

function vlmImages(input: Record<string, unknown>): number {
  const messages = (input.openai_input as { messages?: { content?: unknown }[] } | undefined)?.messages ?? [];
  let n = 0;
  for (const m of messages) if (Array.isArray(m.content)) n += m.content.filter((p) => (p as { type?: string })?.type === 'image_url').length;
  return n;
}

function completionTokens(output: unknown): number | undefined {
  const first = Array.isArray(output) ? output[0] : output;
  const t = (first as { usage?: { completion_tokens?: unknown } } | undefined)?.usage?.completion_tokens;
  return typeof t === 'number' && t >= 0 ? t : undefined;
}

/**
 * The items of one job from its input (contracts in runpod-handlers/contracts): images, faces, WAV seconds, VLM
 * images. Output tokens come from the reply's `usage` when there is one, else the request's max_tokens (an upper bound).
 */
export function itemsOf(model: ModelName, input: unknown, output?: unknown): CallItems {
  const o = (input ?? {}) as Record<string, unknown>;
  switch (model) {
    case 'yolo':
      return { items: Array.isArray(o.images) ? o.images.length : 0, outputTokens: 0 };
    case 'emotion':
      return { items: Array.isArray(o.faces) ? o.faces.length : 0, outputTokens: 0 };
    case 'whisper':
    case 'diarization':
      return { items: wavSeconds(o.audio_base64), outputTokens: 0 };
    case 'vlm': {
      const maxTokens = (o.openai_input as { max_tokens?: unknown } | undefined)?.max_tokens;
      return { items: vlmImages(o), outputTokens: completionTokens(output) ?? (typeof maxTokens === 'number' ? maxTokens : 0) };
    }
  }
}

/**
 * The items of one job from its output alone, for when the input is not at hand: exact for yolo and emotion (one
 * result per image / face); a lower bound for audio (the last segment's end, trailing silence unseen) and for the VLM
 * (output tokens only: the images are not in a reply).
 */
export function itemsOfOutput(model: ModelName, output: unknown): CallItems {
  const o = (output ?? {}) as { results?: unknown; segments?: { end?: unknown }[] };
  switch (model) {
    case 'yolo':
    case 'emotion':
      return { items: Array.isArray(o.results) ? o.results.length : 0, outputTokens: 0 };
    case 'whisper':
    case 'diarization':
      return { items: Array.isArray(o.segments) ? o.segments.reduce((m, g) => (typeof g?.end === 'number' && g.end > m ? g.end : m), 0) : 0, outputTokens: 0 };
    case 'vlm':
      return { items: 0, outputTokens: completionTokens(output) ?? 0 };
  }
}

/** The timing row used for a model on a GPU: its own, else the model's first (reference) row, named in `gpu`. */
export function timingFor(model: ModelName, gpu: GpuType): { gpu: GpuType; timing: GpuTiming; exact: boolean } {
  const rows = GPU_TIMING[model];
  const own = rows[gpu];
  if (own) return { gpu, timing: own, exact: true };
  const [refGpu, ref] = Object.entries(rows)[0] as [GpuType, GpuTiming];
  return { gpu: refGpu, timing: ref, exact: false };
}

/** Modelled execution milliseconds of one call. */
export function modelledMs(t: GpuTiming, c: CallItems): number {
  return t.baseMs + t.perItemMs * c.items + (t.perOutputTokenMs ?? 0) * c.outputTokens;
}
