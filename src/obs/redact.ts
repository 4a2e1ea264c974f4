import { stdSerializers } from 'pino';

/**
 * `scheme://user:pass@host` → `scheme://host` anywhere in a string. Greedy up to the authority's last '@'
 * because a password may contain an unescaped '@' (same rule as src/gst/errors.ts, which covers GStreamer's
 * text; this one covers everything that reaches the logger).
 */
export function scrubUserinfo(text: string): string {
  return text.includes('@') ? text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#\s"'<>]*@/gi, '$1') : text;
}

const MAX_DEPTH = 8;

/**
 * A copy of `value` with every string scrubbed, depth-limited and cycle-safe. Buffers and typed arrays are
 * summarised (a log line never carries media); Errors go through the error serializer.
 */
export function scrubDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubUserinfo(value);
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  if (value instanceof Date || value instanceof URL) return scrubUserinfo(value instanceof URL ? value.href : value.toISOString());
  if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  if (value instanceof Error) return serializeError(value, depth, seen);
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, depth + 1, seen);
  return out;
}

function serializeError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  // pino's errWithCause keeps the chain as nested objects (type, message, stack, own fields, aggregate errors);
  // a non-Error cause (the addon's plain objects) is added since that serializer drops it.
  const base = stdSerializers.errWithCause(err) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) out[k] = k === 'cause' || k === 'aggregateErrors' ? undefined : scrubDeep(v, depth + 1, seen);
  if (err.cause !== undefined) out.cause = scrubDeep(err.cause, depth + 1, seen);
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors)) out.aggregateErrors = scrubDeep(errors, depth + 1, seen);
  return out;
}

/** The logger's serializer for error-valued keys: the whole chain, every string without userinfo. */
export function errorSerializer(value: unknown): unknown {
  return scrubDeep(value);
}
