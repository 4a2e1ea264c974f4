/**
 * Validates the VLM's reply against runpod-handlers/contracts/vlm.reply.schema.json (the contract shared
 * with the handlers). Models often wrap JSON in code fences or add a sentence around it, so the first JSON
 * object in the text is extracted before validation; anything else is a failed reply.
 */
import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { assetPath } from '../assets';

export interface VlmReply {
  description: string;
  clip_worthy_score: number;
  tags: string[];
  emotions?: string[];
}

export type ParsedReply = { ok: true; reply: VlmReply } | { ok: false; error: string };

let validate: ((x: unknown) => boolean) & { errors?: unknown } | null = null;

function validator() {
  if (!validate) {
    const schema = JSON.parse(fs.readFileSync(assetPath('runpod-handlers', 'contracts', 'vlm.reply.schema.json'), 'utf8'));
    validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  }
  return validate;
}

export function parseVlmReply(content: string): ParsedReply {
  const text = extractJsonObject(content);
  if (text === null) return { ok: false, error: 'reply contains no JSON object' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `reply is not valid JSON: ${(err as Error).message}` };
  }
  const v = validator();
  if (!v(value)) {
    const errs = (v.errors as { instancePath: string; message?: string }[] | undefined) ?? [];
    return { ok: false, error: `reply does not match vlm.reply schema: ${errs.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}` };
  }
  const r = value as VlmReply;
  return { ok: true, reply: { ...r, description: r.description.trim(), tags: [...new Set(r.tags.map((t) => t.trim().toLowerCase()).filter(Boolean))] } };
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
