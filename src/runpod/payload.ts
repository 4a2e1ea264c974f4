import type { ModelName } from './contracts';
import { RunpodPayloadTooLargeError } from './errors';

/** RunPod's request body caps (bytes). */
export const PAYLOAD_LIMITS = { run: 10 * 1024 * 1024, runsync: 20 * 1024 * 1024 } as const;

/** Inputs whose array field can be split into several jobs, and the per-job item cap of their schema. */
const BATCH_FIELDS: Partial<Record<ModelName, { field: 'images' | 'faces'; maxItems: number }>> = {
  yolo: { field: 'images', maxItems: 64 },
  emotion: { field: 'faces', maxItems: 128 },
};

/** Bytes of the request body `{"input": …}` plus the policy envelope (a small constant). */
export function bodyBytes(input: unknown): number {
  return Buffer.byteLength(JSON.stringify({ input })) + 128;
}

/**
 * Splits a batchable input into parts that each fit the byte limit and the schema's item cap; rejects any
 * other input that is too large with a clear error. Returns [input] when it already fits.
 */
export function splitForLimit(model: ModelName, input: Record<string, unknown>, limit: number): Record<string, unknown>[] {
  const batch = BATCH_FIELDS[model];
  const total = bodyBytes(input);
  const items = batch && Array.isArray(input[batch.field]) ? (input[batch.field] as unknown[]) : undefined;
  if (total <= limit && (!items || items.length <= batch!.maxItems)) return [input];
  if (!batch || !items) {
    throw new RunpodPayloadTooLargeError(
      `${model} request of ${total} bytes exceeds RunPod's ${limit}-byte limit and cannot be split: send the media by URL (S3) or shorten it`,
      total,
      limit,
    );
  }
  const base = bodyBytes({ ...input, [batch.field]: [] });
  const parts: Record<string, unknown>[] = [];
  let cur: unknown[] = [];
  let curBytes = base;
  for (const item of items) {
    const itemBytes = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (base + itemBytes > limit) {
      throw new RunpodPayloadTooLargeError(`one ${model} item of ${itemBytes} bytes alone exceeds RunPod's ${limit}-byte limit: downscale or re-encode it`, itemBytes, limit);
    }
    if (cur.length && (curBytes + itemBytes > limit || cur.length >= batch.maxItems)) {
      parts.push({ ...input, [batch.field]: cur });
      cur = [];
      curBytes = base;
    }
    cur.push(item);
    curBytes += itemBytes;
  }
  if (cur.length) parts.push({ ...input, [batch.field]: cur });
  return parts;
}

/** Joins the outputs of split parts back into one (results in input order). */
export function mergeSplitOutputs(outputs: unknown[]): unknown {
  if (outputs.length === 1) return outputs[0];
  const first = outputs[0] as { results: unknown[]; inference_ms?: number; [k: string]: unknown };
  const merged = { ...first, results: [] as unknown[] };
  let ms = 0;
  let anyMs = false;
  for (const o of outputs as { results: unknown[]; inference_ms?: number }[]) {
    merged.results.push(...o.results);
    if (typeof o.inference_ms === 'number') {
      ms += o.inference_ms;
      anyMs = true;
    }
  }
  if (anyMs) merged.inference_ms = ms;
  return merged;
}
