import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { AUDIO_SINK, FRAMES_SINK, RECORD_AUDIO_VARIABLES, RECORD_VARIABLES, SOURCE_VARIABLES } from './contract';
import { badPipeline } from './errors';
import type { PipelineTemplate } from './schema';
import { placeholders } from './placeholders';
import { parseYamlFile } from './yaml-cache';
import { resolveParams } from './params';

/** Built-in templates shipped with the package (same relative location from src/ and dist/). */
export const BUILTIN_PIPELINE_DIR = path.resolve(__dirname, '..', '..', 'pipelines');

/**
 * `name` looks in ./pipelines (the user's own files) then the built-in folder; anything with a path
 * separator or a .yaml/.yml extension is a path.
 */
export function resolvePipelinePath(nameOrPath: string, cwd = process.cwd()): string {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes(path.sep) || /\.ya?ml$/i.test(nameOrPath);
  if (looksLikePath) {
    const p = path.resolve(cwd, nameOrPath);
    if (!fs.existsSync(p)) throw badPipeline(`pipeline file not found: ${p}`);
    return p;
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(nameOrPath)) throw badPipeline(`bad pipeline name '${nameOrPath}'`);
  const candidates = [path.join(cwd, 'pipelines', `${nameOrPath}.yaml`), path.join(BUILTIN_PIPELINE_DIR, `${nameOrPath}.yaml`)];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    throw badPipeline(`unknown pipeline '${nameOrPath}' (built-in: ${listBuiltinPipelines().join(', ')}; or pass a path to a .yaml file)`);
  }
  return found;
}

export function listBuiltinPipelines(): string[] {
  if (!fs.existsSync(BUILTIN_PIPELINE_DIR)) return [];
  return fs.readdirSync(BUILTIN_PIPELINE_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

export function loadPipelineTemplate(nameOrPath: string, cwd = process.cwd()): PipelineTemplate {
  const file = resolvePipelinePath(nameOrPath, cwd);
  let raw: unknown;
  try {
    raw = parseYamlFile(file);
  } catch (err) {
    throw badPipeline(`pipeline ${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, err);
  }
  // The built-in templates ship with the package and the test suite validates them with the schema
  // (test/pipelines/templates.test.ts): at run time they skip zod, tens of milliseconds of start-up.
  if (path.dirname(file) === BUILTIN_PIPELINE_DIR && isPlainObject(raw)) {
    const tpl = { ...raw, params: raw.params ?? {}, path: file } as PipelineTemplate;
    checkTemplate(tpl);
    return tpl;
  }
  return parsePipelineTemplate(raw, file);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a parsed YAML document; every error names the file and the offending field. */
export function parsePipelineTemplate(raw: unknown, file: string): PipelineTemplate {
  const { PipelineFileSchema } = require('./schema') as typeof import('./schema');
  const parsed = PipelineFileSchema.safeParse(raw);
  if (!parsed.success) throw badPipeline(`pipeline ${file}: ${formatZodIssue(parsed.error)}`);
  const tpl: PipelineTemplate = { ...parsed.data, path: file };
  checkTemplate(tpl);
  return tpl;
}

function formatZodIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  return `${where}: ${issue.message}`;
}

const APPSINK_NAMED = (name: string) => new RegExp(`\\bappsink\\b[^!]*\\bname=["']?${name}["']?(?=[\\s!]|$)`);

/** Record branches: their own variables on top of the rest, somewhere to write, and no appsink (the contract's sinks live elsewhere). */
function checkRecordBranches(tpl: PipelineTemplate, known: Set<string>): void {
  const withRecord = new Set<string>([...known, ...RECORD_VARIABLES]);
  for (const [codec, text] of Object.entries(tpl.record ?? {})) {
    if (text === undefined) continue;
    const names = placeholders(text);
    for (const name of names) {
      if (!withRecord.has(name)) {
        throw badPipeline(`pipeline ${tpl.path}: record.${codec} uses unknown placeholder {${name}} (parameters: ${[...withRecord].join(', ')})`);
      }
    }
    if (!names.includes('record_location')) throw badPipeline(`pipeline ${tpl.path}: record.${codec} never uses {record_location} (where the segments go)`);
    if (/\bappsink\b/.test(text)) throw badPipeline(`pipeline ${tpl.path}: record.${codec} must not contain an appsink (it writes files)`);
  }
  if (tpl.record_audio === undefined) return;
  if (tpl.record === undefined || tpl.audio === undefined) {
    throw badPipeline(`pipeline ${tpl.path}: record_audio needs a record branch and an audio branch (it links the audio into the record branch's splitmuxsink)`);
  }
  const withAudio = new Set<string>([...known, ...RECORD_AUDIO_VARIABLES]);
  for (const [codec, text] of Object.entries(tpl.record_audio)) {
    if (text === undefined) continue;
    for (const name of placeholders(text)) {
      if (!withAudio.has(name)) {
        throw badPipeline(`pipeline ${tpl.path}: record_audio.${codec} uses unknown placeholder {${name}} (parameters: ${[...withAudio].join(', ')})`);
      }
    }
    if (/\bappsink\b/.test(text)) throw badPipeline(`pipeline ${tpl.path}: record_audio.${codec} must not contain an appsink (it writes files)`);
  }
}

/** Structural checks that need no GStreamer: placeholders, the sink contract, defaults in range. */
function checkTemplate(tpl: PipelineTemplate): void {
  const known = new Set<string>([...Object.keys(tpl.params), ...SOURCE_VARIABLES]);
  for (const [field, text] of [['launch', tpl.launch], ['audio', tpl.audio]] as const) {
    if (text === undefined) continue;
    for (const name of placeholders(text)) {
      if (!known.has(name)) {
        throw badPipeline(`pipeline ${tpl.path}: ${field} uses unknown placeholder {${name}} (parameters: ${[...known].join(', ')})`);
      }
    }
  }
  checkRecordBranches(tpl, known);
  if (!APPSINK_NAMED(FRAMES_SINK).test(tpl.launch)) {
    throw badPipeline(`pipeline ${tpl.path}: launch has no 'appsink name=${FRAMES_SINK}' (the frames sink is the contract)`);
  }
  if (tpl.audio !== undefined && !APPSINK_NAMED(AUDIO_SINK).test(tpl.audio)) {
    throw badPipeline(`pipeline ${tpl.path}: audio branch has no 'appsink name=${AUDIO_SINK}'`);
  }
  if (APPSINK_NAMED(AUDIO_SINK).test(tpl.launch)) {
    throw badPipeline(`pipeline ${tpl.path}: put 'appsink name=${AUDIO_SINK}' in the 'audio' branch, which is linked only when the source has audio`);
  }
  // Defaults must satisfy their own spec; resolveParams reports the first that does not.
  try {
    resolveParams(tpl, {});
  } catch (err) {
    throw badPipeline(`pipeline ${tpl.path}: bad default: ${(err as Error).message}`);
  }
}
