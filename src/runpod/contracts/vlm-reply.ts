/**
 * The one reader of a VLM reply: the JSON object our prompt asks for, found in `choices[0].message.content`
 * and validated against runpod-handlers/contracts/vlm.reply.schema.json. Models often wrap JSON in code
 * fences or add a sentence around it, so the first balanced JSON object in the text is taken; anything
 * else is an invalid reply (the caller decides whether to ask again).
 */
import type { VlmReply } from './types';
import { validateVlmReply } from './validate';

export type ParsedVlmReply = { ok: true; reply: VlmReply } | { ok: false; error: string };

export function parseVlmReply(content: string): ParsedVlmReply {
  const text = extractJsonObject(content);
  if (text === null) return { ok: false, error: 'reply contains no JSON object' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `reply is not valid JSON: ${(err as Error).message}` };
  }
  const v = validateVlmReply(value);
  if (!v.ok) return { ok: false, error: `reply does not match vlm.reply schema: ${v.errors.join('; ')}` };
  const r = v.value;
  return {
    ok: true,
    reply: { ...r, description: r.description.trim(), tags: [...new Set(r.tags.map((t) => t.trim().toLowerCase()).filter(Boolean))] },
  };
}

/** The first balanced {...} in the text, skipping braces inside strings; null when there is none. */
export function extractJsonObject(content: string): string | null {
  const start = content.indexOf('{');
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < content.length; i++) {
    const c = content[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return content.slice(start, i + 1);
  }
  return null;
}
