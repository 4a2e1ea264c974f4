import type { BusFields } from './types';

/**
 * Bus fields as bytes (what a Redis consumer receives), so the in-process bus hands stages exactly what
 * Redis would. Encoding and decoding of each topic's messages is src/topics' job.
 */
export function toDeliveryFields(fields: BusFields): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
  return out;
}
