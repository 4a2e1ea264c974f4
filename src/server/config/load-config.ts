/**
 * Reads a `serve` config file: YAML → `${VAR}` expansion from the environment (camera credentials stay out
 * of the file) → validation against src/server/config/server-config.ts. Every error names the file, the
 * line and the key (`video-agent.yaml:14: streams[1].fps: expected a number`). Relative paths (media roots,
 * data dir) are taken from the file's folder, so a config works from any working directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, isScalar, parseDocument, visit, type Document } from 'yaml';
import { VideoAgentError } from '../../errors';
import { serveConfigSchema, type ServeConfig } from './server-config';
import { secretEnv } from '../../config/secret-env';

export interface LoadedConfig {
  config: ServeConfig;
  /** The file read, or null when none was given (every default). */
  file: string | null;
}

export function loadServeConfig(file: string | null, env: Record<string, string | undefined> = process.env): LoadedConfig {
  if (file === null) return { config: resolvePaths(serveConfigSchema.parse({}), process.cwd()), file: null };
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VideoAgentError('E_BAD_CONFIG', `cannot read config ${abs}: ${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message}`, { kind: 'config' });
  }
  return { config: resolvePaths(parseServeConfig(text, path.basename(abs), env), path.dirname(abs)), file: abs };
}

/** Parses and validates config text; `name` prefixes every error. */
export function parseServeConfig(text: string, name: string, env: Record<string, string | undefined> = process.env): ServeConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => (offset === undefined ? name : `${name}:${lines.linePos(offset).line}`);
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new VideoAgentError('E_BAD_CONFIG', `${at(e.pos[0])}: invalid YAML: ${e.message.split('\n')[0]}`, { kind: 'config' });
  }
  expandEnv(doc, env, at);
  const raw = doc.toJS() ?? {};
  const parsed = serveConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // An unknown key: point at the key itself, not at the map holding it.
    if (issue.code === 'unrecognized_keys') {
      const p = [...issue.path, issue.keys[0]] as (string | number)[];
      throw new VideoAgentError('E_BAD_CONFIG', `${at(nodeAt(doc, p))}: ${dotted(p)}: unknown key (check the spelling; see config/examples/)`, { kind: 'config' });
    }
    const keyPath = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    const node = nodeAt(doc, issue.path as (string | number)[]);
    throw new VideoAgentError('E_BAD_CONFIG', `${at(node)}: ${keyPath || '(top level)'}: ${issue.message}`, { kind: 'config' });
  }
  const ids = new Set<string>();
  for (const [i, s] of parsed.data.streams.entries()) {
    if (s.id && ids.has(s.id)) throw new VideoAgentError('E_BAD_CONFIG', `${at(nodeAt(doc, ['streams', i, 'id']))}: streams[${i}].id: duplicate stream id "${s.id}"`, { kind: 'config' });
    if (s.id) ids.add(s.id);
  }
  return parsed.data;
}

/** `${NAME}` in any string value is replaced by the environment variable; a missing one is an error. */
function expandEnv(doc: Document, env: Record<string, string | undefined>, at: (o: number | undefined) => string): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      node.value = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, v: string) => {
        // An empty variable stays an empty value (secretEnv reads empty as unset); VAR_FILE works too.
        let val: string | undefined;
        try {
          val = env[v] === '' && !env[`${v}_FILE`] ? '' : secretEnv(v, env);
        } catch (err) {
          throw new VideoAgentError('E_BAD_CONFIG', `${at(node.range?.[0])}: ${(err as Error).message}`, { kind: 'config' });
        }
        if (val === undefined) throw new VideoAgentError('E_BAD_CONFIG', `${at(node.range?.[0])}: environment variable ${v} is not set`, { kind: 'config' });
        return val;
      });
    },
  });
}

/** Start offset of the deepest node that exists along `p` (a missing key points at its parent). */
function nodeAt(doc: Document, p: (string | number)[]): number | undefined {
  for (let n = p.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(p.slice(0, n), true);
    if (node && typeof node === 'object' && 'range' in node && Array.isArray((node as { range?: unknown }).range)) {
      // For a key that exists, point at its value; scalars and collections both carry a range.
      return (node as { range: [number, number, number] }).range[0];
    }
    if (isScalar(node)) return node.range?.[0];
  }
  return undefined;
}

function dotted(p: (string | number)[]): string {
  return p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
}

function resolvePaths(c: ServeConfig, base: string): ServeConfig {
  return {
    ...c,
    server: { ...c.server, mediaRoots: c.server.mediaRoots.map((r) => path.resolve(base, r)), dataDir: path.resolve(base, c.server.dataDir) },
  };
}
