/**
 * Writes docs/api.md from the server's own OpenAPI document: the fastify app is built exactly as `serve`
 * builds it (buildApp + the result routes), without listening and without a database, and `app.swagger()`
 * is rendered to markdown. `--check` compares instead of writing and exits 1 when docs/api.md is stale, so a
 * route or schema change without a regenerated doc fails CI (test/ops/api-doc.test.ts).
 *
 *   npx tsx scripts/gen-api-doc.ts            # write docs/api.md
 *   npx tsx scripts/gen-api-doc.ts --check    # exit 1 when docs/api.md differs
 *   npx tsx scripts/gen-api-doc.ts --out FILE # write elsewhere
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_OUT = path.join(ROOT, 'docs', 'api.md');
const REGENERATE = 'npx tsx scripts/gen-api-doc.ts';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema | Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
};
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Schema };
type Media = Record<string, { schema?: Schema }>;
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Media };
  responses?: Record<string, { description?: string; content?: Media }>;
};
type OpenApi = { openapi: string; info: { title: string; version: string; description?: string }; paths: Record<string, Record<string, Operation>>; security?: unknown[] };

/** Any property read returns another stub, any call too: route registration may read the context; nothing runs. */
function stub(): unknown {
  const target = function () {};
  return new Proxy(target, { get: (_t, k) => (k === 'then' ? undefined : stub()), apply: () => stub() });
}

/** The OpenAPI document of the app `serve` runs (API keys on, so security is what a deployment sees). */
export async function openApiDocument(): Promise<OpenApi> {
  process.env.LOG_LEVEL ??= 'silent';
  // Loaded here, after LOG_LEVEL is set: the logger reads it when its module loads.
  const { buildApp } = require('../src/server/app') as typeof import('../src/server/app');
  const { resultRoutes } = require('../src/server/routes/result-routes') as typeof import('../src/server/routes/result-routes');
  const { ApiKeys } = require('../src/server/auth/api-keys') as typeof import('../src/server/auth/api-keys');
  const { Sessions } = require('../src/server/auth/sessions') as typeof import('../src/server/auth/sessions');
  const { serveConfigSchema } = require('../src/server/config/server-config') as typeof import('../src/server/config/server-config');
  const settings = serveConfigSchema.parse({ server: { port: 0 } }).server;
  const ctx = {
    settings, keys: new ApiKeys('doc-generator-placeholder-key'), sessions: new Sessions(),
    runtime: stub(), supervisor: stub(), feed: stub(), readiness: async () => [], breakers: () => [], latestFrame: () => null, frameNear: () => null,
  } as unknown as import('../src/server/server-context').ServerContext;
  // The same route list as startServer (src/server/start-server.ts).
  const app = await buildApp(ctx, [resultRoutes]);
  try {
    await app.ready();
    return JSON.parse(JSON.stringify(app.swagger())) as OpenApi;
  } finally {
    await app.close();
  }
}

// ---------- rendering ----------

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
/** Prose from the schemas: `<dataDir>` would be read as an HTML tag (and dropped) by markdown renderers. */
const prose = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const code = (s: string) => `\`${s}\``;
const HUGE = 9007199254740991;

function typeOf(s: Schema | undefined): string {
  if (!s) return 'any';
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) {
    const vals = s.enum.filter((v) => v !== null).map((v) => JSON.stringify(v));
    const t = vals.length ? vals.join(' \\| ') : 'null';
    return s.nullable && vals.length ? `${t} \\| null` : t;
  }
  const union = s.anyOf ?? s.oneOf;
  let t: string;
  if (union) {
    t = [...new Set(union.map(typeOf))].join(' \\| ');
  } else if (s.allOf) {
    t = s.allOf.map(typeOf).join(' & ');
  } else {
    const ty = Array.isArray(s.type) ? s.type.join(' \\| ') : s.type;
    if (ty === 'array') {
      const items = Array.isArray(s.items) ? s.items : s.items ? [s.items] : [];
      const inner = [...new Set(items.map(typeOf))].join(' \\| ') || 'any';
      t = inner.includes(' ') ? `(${inner})[]` : `${inner}[]`;
    } else if (ty === 'object' || (!ty && s.properties)) {
      t = s.properties ? 'object' : typeof s.additionalProperties === 'object' && Object.keys(s.additionalProperties).length ? `map of ${typeOf(s.additionalProperties)}` : 'object';
    } else {
      t = ty ?? 'any';
    }
  }
  if (s.format) t += ` (${s.format})`;
  return s.nullable ? `${t} \\| null` : t;
}

function constraints(s: Schema): string {
  const out: string[] = [];
  const lo = s.minimum !== undefined && s.minimum !== -HUGE ? s.minimum : undefined;
  const hi = s.maximum !== undefined && s.maximum !== HUGE ? s.maximum : undefined;
  if (lo !== undefined || hi !== undefined) {
    const gt = s.exclusiveMinimum === true ? '>' : '≥';
    if (lo !== undefined && hi !== undefined && gt === '≥') out.push(`${lo}..${hi}`);
    else {
      if (lo !== undefined) out.push(`${gt} ${lo}`);
      if (hi !== undefined) out.push(`≤ ${hi}`);
    }
  }
  if (typeof s.exclusiveMinimum === 'number') out.push(`> ${s.exclusiveMinimum}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) out.push(s.minLength ? `length ${s.minLength}..${s.maxLength ?? '∞'}` : `length ≤ ${s.maxLength}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) out.push(s.minItems === s.maxItems ? `${s.minItems} items` : s.minItems ? `${s.minItems}..${s.maxItems ?? '∞'} items` : `≤ ${s.maxItems} items`);
  if (s.pattern) out.push(`pattern ${code(s.pattern)}`);
  if (s.default !== undefined) out.push(`default ${code(JSON.stringify(s.default))}`);
  return out.join(', ');
}

function describe(s: Schema, extra = ''): string {
  const parts = [s.description ? prose(s.description) : '', constraints(s), extra].filter(Boolean);
  return cell(parts.join('; '));
}

interface Row { name: string; type: string; required: boolean; text: string }

const objectUnion = (s: Schema) => {
  const u = s.oneOf ?? s.anyOf;
  return u && u.length > 1 && u.every((m) => m.properties) ? u : null;
};

/** One row per field, nested objects and arrays of objects as dotted names (`items[].ts`), to a bounded depth. */
function fieldRows(s: Schema, prefix: string, depth: number, rows: Row[] = []): Row[] {
  const props = s.properties ?? {};
  const req = new Set(s.required ?? []);
  for (const [name, p] of Object.entries(props)) {
    const full = prefix ? `${prefix}.${name}` : name;
    const variants = objectUnion(p);
    if (variants) {
      const tag = discriminator(variants);
      const tagValues = tag ? variants.map((v) => String((v.properties![tag]!.enum ?? [v.properties![tag]!.const])[0])) : [];
      rows.push({ name: full, type: `one of ${variants.length} shapes${tag ? ` by ${code(tag)}: ${tagValues.map((t) => code(t)).join(', ')}` : ''}`, required: req.has(name), text: describe(p) });
      if (depth > 0) {
        // Fields every shape has alike are listed once; the rest under the shape's tag value.
        const same = (k: string) => variants.every((v) => v.properties?.[k] && JSON.stringify(v.properties[k]) === JSON.stringify(variants[0]!.properties![k]) && (v.required ?? []).includes(k) === (variants[0]!.required ?? []).includes(k));
        const common = Object.keys(variants[0]!.properties!).filter((k) => k !== tag && same(k));
        const pick = (v: Schema, keep: (k: string) => boolean): Schema => ({ ...v, properties: Object.fromEntries(Object.entries(v.properties!).filter(([k]) => keep(k))) });
        if (common.length) fieldRows(pick(variants[0]!, (k) => common.includes(k)), full, depth - 1, rows);
        for (const v of variants) {
          const label = tag ? `${full} (${tag}=${String((v.properties![tag]!.enum ?? [v.properties![tag]!.const])[0])})` : full;
          fieldRows(pick(v, (k) => !common.includes(k) && (k !== tag || !tag)), label, depth - 1, rows);
        }
      }
      continue;
    }
    rows.push({ name: full, type: typeOf(p), required: req.has(name), text: describe(p) });
    if (depth <= 0) continue;
    if (p.properties) fieldRows(p, full, depth - 1, rows);
    const item = !Array.isArray(p.items) ? p.items : undefined;
    if (item?.properties) fieldRows(item, `${full}[]`, depth - 1, rows);
  }
  return rows;
}

/** A property every variant has with a single distinct constant value (e.g. `kind`). */
function discriminator(variants: Schema[]): string | null {
  const first = variants[0]!.properties ?? {};
  for (const k of Object.keys(first)) {
    const vals = variants.map((v) => {
      const p = v.properties?.[k];
      return p?.const !== undefined ? p.const : p?.enum?.length === 1 ? p.enum[0] : undefined;
    });
    if (vals.every((x) => x !== undefined) && new Set(vals).size === variants.length) return k;
  }
  return null;
}

function fieldTable(rows: Row[]): string[] {
  const out = ['| field | type | required | notes |', '|---|---|---|---|'];
  for (const r of rows) out.push(`| ${code(r.name)} | ${r.type} | ${r.required ? 'yes' : 'no'} | ${r.text} |`);
  return out;
}

/**
 * A body as markdown: `label (type):` and a field table per object shape, or `label: type — text` when the
 * body has no fields (a string, null, bytes). Unions of shapes get one table per object member.
 */
function bodyLines(label: string, media: Media | undefined, depth: number): string[] {
  if (!media || !Object.keys(media).length) return [`${label}: no body described`];
  const out: string[] = [];
  for (const [type, { schema }] of Object.entries(media)) {
    if (!schema) { out.push(`${label}: ${code(type)}`, ''); continue; }
    const members = schema.properties ? [schema] : (schema.anyOf ?? schema.oneOf ?? []).filter((m) => m.properties);
    if (!members.length) {
      out.push(`${label}: ${code(type)}, ${typeOf(schema)}${schema.description ? ` — ${cell(prose(schema.description))}` : ''}`, '');
      continue;
    }
    const others = schema.properties ? [] : (schema.anyOf ?? schema.oneOf ?? []).filter((m) => !m.properties);
    members.forEach((m, i) => {
      const which = members.length + others.length > 1 ? `, shape ${i + 1} of ${members.length + others.length}` : '';
      out.push(`${label} (${code(type)}${which})${m.description ? `, ${cell(prose(m.description))}` : ''}:`, '', ...fieldTable(fieldRows(m, '', depth)), '');
    });
    others.forEach((m, i) => out.push(`${label} (${code(type)}, shape ${members.length + i + 1} of ${members.length + others.length}): ${typeOf(m)}${m.description ? ` — ${cell(prose(m.description))}` : ''}`, ''));
  }
  while (out[out.length - 1] === '') out.pop();
  return out;
}

const isErrorBody = (r: { description?: string; content?: Media }) => r.description === 'An error' && Object.values(r.content ?? {}).every((m) => m.schema?.properties?.error);

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function renderMarkdown(doc: OpenApi): string {
  const ops: { method: string; path: string; op: Operation }[] = [];
  for (const [p, byMethod] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (byMethod[m]) ops.push({ method: m.toUpperCase(), path: p, op: byMethod[m]! });
  }
  const tags: string[] = [];
  for (const o of ops) for (const t of o.op.tags ?? ['other']) if (!tags.includes(t)) tags.push(t);
  const anchor = (method: string, p: string) => `${method}-${p}`.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');

  const out: string[] = [
    `# HTTP API (${doc.info.title} ${doc.info.version})`,
    '',
    `<!-- Generated by scripts/gen-api-doc.ts from the server's OpenAPI document; do not edit. Regenerate: ${REGENERATE} -->`,
    '',
    `${doc.info.description ?? ''}. This page is generated from the OpenAPI ${doc.openapi} document that \`video-agent serve\` publishes at`,
    '`GET /openapi.json` (Swagger UI at `GET /docs`), so it lists exactly the routes and schemas the server validates',
    `against. Regenerate it with \`${REGENERATE}\` after changing a route; \`--check\` (run by the tests) fails when it is stale.`,
    '',
    '- **Authentication.** With `VIDEO_AGENT_API_KEY` set, every route needs `Authorization: Bearer <key>` (or the',
    "  dashboard's session cookie from `POST /v1/session`), except `GET /healthz`, `GET /readyz`, `GET /openapi.json`,",
    '  `GET /docs`, the dashboard (`GET /`) and `/v1/session`. A missing or wrong key is a 401 with `WWW-Authenticate: Bearer`.',
    '- **Errors.** Every error is `{"error": {"code": "E_…", "message": "…", "field"?: "…"}}`; a validation failure is a 400',
    '  `E_BAD_REQUEST` whose `field` names the parameter (e.g. `querystring.limit`). Codes: docs/troubleshooting.md.',
    '- **Limits.** Bodies above `server.bodyLimitBytes` are refused with 413; requests are rate-limited per key (429 with',
    '  `Retry-After`), except the probes and `/metrics`.',
    '- **Live topics.** The WebSocket `GET /v1/live?streams=…&topics=…` is not described by OpenAPI; see README.md',
    '  ("Run as a server").',
    '',
    '## Routes',
    '',
  ];
  for (const t of tags) {
    const mine = ops.filter((o) => (o.op.tags ?? ['other']).includes(t));
    out.push(`- **${t}**: ${mine.map((o) => `[${o.method} ${o.path}](#${anchor(o.method, o.path)})`).join(' · ')}`);
  }
  out.push('');
  for (const t of tags) {
    out.push(`## ${t}`, '');
    for (const { method, path: p, op } of ops.filter((o) => (o.op.tags ?? ['other']).includes(t))) {
      out.push(`### ${method} ${p}`, '');
      if (op.summary) out.push(prose(`${op.summary}.`.replace(/\.\.$/, '.')), '');
      if (op.description) out.push(prose(op.description), '');
      const params = op.parameters ?? [];
      if (params.length) {
        out.push('Parameters:', '', '| name | in | type | required | notes |', '|---|---|---|---|---|');
        for (const prm of params) out.push(`| ${code(prm.name)} | ${prm.in} | ${typeOf(prm.schema)} | ${prm.required ? 'yes' : 'no'} | ${cell([prm.description ? prose(prm.description) : '', prm.schema ? constraints(prm.schema) : ''].filter(Boolean).join('; '))} |`);
        out.push('');
      }
      if (op.requestBody) out.push(...bodyLines(`Request body${op.requestBody.required ? '' : ' (optional)'}`, op.requestBody.content, 3), '');
      const responses = Object.entries(op.responses ?? {});
      const errors = responses.filter(([, r]) => isErrorBody(r)).map(([s]) => s);
      out.push('Responses:', '');
      for (const [status, r] of responses.filter(([, r]) => !isErrorBody(r))) {
        const desc = r.description && r.description !== 'Default Response' ? ` — ${cell(r.description)}` : '';
        if (!r.content) { out.push(`- **${status}**${desc} (body not described by a schema: see the summary)`); continue; }
        const lines = bodyLines(`**${status}**${desc}`, r.content, 2);
        out.push(`- ${lines[0]}`, ...lines.slice(1).map((l) => (l ? `  ${l}` : l)));
        if (lines.length > 1) out.push('');
      }
      if (errors.length) out.push(`- **${errors.join(', ')}**: the error body \`{error: {code, message, field?}}\``);
      out.push('');
    }
  }
  while (out[out.length - 1] === '') out.pop();
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`usage: ${REGENERATE} [--check] [--out FILE]\n  writes docs/api.md from the server's OpenAPI document; --check exits 1 when the file is stale\n`);
    return 0;
  }
  const outIdx = argv.indexOf('--out');
  const out = outIdx >= 0 ? path.resolve(argv[outIdx + 1] ?? '') : DEFAULT_OUT;
  const md = renderMarkdown(await openApiDocument());
  const rel = path.relative(process.cwd(), out) || out;
  if (argv.includes('--check')) {
    const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : null;
    if (current === md) { process.stdout.write(`${rel} is up to date\n`); return 0; }
    const a = (current ?? '').split('\n');
    const b = md.split('\n');
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    process.stderr.write(current === null
      ? `${rel} is missing: run \`${REGENERATE}\` and commit it\n`
      : `${rel} is stale: the API changed without regenerating it. Run \`${REGENERATE}\` and commit ${rel}.\n  first difference at line ${i + 1}:\n  - ${a[i] ?? '(end of file)'}\n  + ${b[i] ?? '(end of file)'}\n`);
    return 1;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, md);
  process.stdout.write(`wrote ${rel} (${md.split('\n').length} lines)\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    process.stderr.write(`gen-api-doc: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  });
}
