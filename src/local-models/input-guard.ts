import { VideoAgentError } from '../errors';

/**
 * Light structural checks for direct callers (tests, benches). The emulator already validates `input` against
 * the endpoint's JSON Schema; these guards make a worker safe on its own and name the offending field.
 */
export function requireObject(input: unknown, endpoint: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new VideoAgentError('E_BAD_INPUT', `${endpoint}: input must be a JSON object`);
  }
  return input as Record<string, unknown>;
}

export function requireStringArray(value: unknown, field: string, maxItems: number): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new VideoAgentError('E_BAD_INPUT', `${field}: expected a non-empty array`);
  if (value.length > maxItems) throw new VideoAgentError('E_BAD_INPUT', `${field}: at most ${maxItems} items (got ${value.length})`);
  value.forEach((v, i) => {
    if (typeof v !== 'string') throw new VideoAgentError('E_BAD_INPUT', `${field}[${i}]: expected a base64 string`);
  });
  return value as string[];
}

export function optionalNumber(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new VideoAgentError('E_BAD_INPUT', `${field}: expected a number in [${min}, ${max}]`);
  }
  return value;
}
