import fs from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ModelInputs, ModelName, ModelOutputs, VlmReply } from './types';
import { MODEL_NAMES } from './types';

/**
 * Runtime validation against the shared JSON Schema files in runpod-handlers/contracts (draft 2020-12), so
 * the client, the emulator and the Python handlers' tests check the very same contract.
 */

/** Walk up from this file to the package root: works from src/ (tsx) and from dist/src/ (built). */
function findContractsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'runpod-handlers', 'contracts');
    if (fs.existsSync(path.join(candidate, 'yolo.input.schema.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`runpod-handlers/contracts not found above ${__dirname}`);
}

export const CONTRACTS_DIR = findContractsDir();

type SchemaKind = 'input' | 'output';
interface Validators {
  input: Record<ModelName, ValidateFunction>;
  output: Record<ModelName, ValidateFunction>;
  vlmReply: ValidateFunction;
}

let cached: Validators | undefined;

function load(): Validators {
  if (cached) return cached;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(CONTRACTS_DIR, name), 'utf8')) as object;
  const compile = (kind: SchemaKind) =>
    Object.fromEntries(MODEL_NAMES.map((m) => [m, ajv.compile(read(`${m}.${kind}.schema.json`))])) as Record<ModelName, ValidateFunction>;
  cached = { input: compile('input'), output: compile('output'), vlmReply: ajv.compile(read('vlm.reply.schema.json')) };
  return cached;
}

/** ajv errors as short human-readable strings ("/images/0: must be string"), the contract's list error form. */
export function formatAjvErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}${e.params && 'allowedValues' in e.params ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`);
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export function validateInput<M extends ModelName>(model: M, input: unknown): ValidationResult<ModelInputs[M]> {
  const v = load().input[model];
  return v(input) ? { ok: true, value: input as ModelInputs[M] } : { ok: false, errors: formatAjvErrors(v.errors) };
}

export function validateOutput<M extends ModelName>(model: M, output: unknown): ValidationResult<ModelOutputs[M]> {
  const v = load().output[model];
  return v(output) ? { ok: true, value: output as ModelOutputs[M] } : { ok: false, errors: formatAjvErrors(v.errors) };
}

export function validateVlmReply(reply: unknown): ValidationResult<VlmReply> {
  const v = load().vlmReply;
  return v(reply) ? { ok: true, value: reply as VlmReply } : { ok: false, errors: formatAjvErrors(v.errors) };
}
