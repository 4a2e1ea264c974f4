import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'gen-api-doc.ts');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

async function gen(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(TSX, [SCRIPT, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' }, timeout: 60_000 });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

describe('docs/api.md: generated from the OpenAPI document', function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-api-doc-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is up to date (run `npx tsx scripts/gen-api-doc.ts` after changing a route)', async () => {
    const r = await gen(['--check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /docs\/api\.md is up to date/);
  });

  it('covers every route of the OpenAPI document, with parameters, bodies and responses', async () => {
    const md = fs.readFileSync(path.join(ROOT, 'docs', 'api.md'), 'utf8');
    for (const route of ['GET /healthz', 'GET /metrics', 'POST /v1/streams', 'GET /v1/streams/{id}/detections', 'POST /v1/rules', 'POST /v1/streams/{id}/clips', 'POST /v1/streams/{id}/ask', 'GET /v1/search']) {
      assert.ok(md.includes(`\n### ${route}\n`), `section for ${route}`);
    }
    // A query parameter with its constraint, a body field, an error line.
    assert.match(md, /\| `limit` \| query \| .* \| no \| page size/);
    assert.match(md, /\| `source` \| string \| yes \| .*length 1\.\.2048/);
    assert.match(md, /- \*\*400, 401, 404, 429\*\*: the error body/);
  });

  it('--check fails with a clear message on a stale file, and regenerating fixes it', async () => {
    const out = path.join(dir, 'api.md');
    const w = await gen(['--out', out]);
    assert.equal(w.code, 0, w.stderr);
    fs.writeFileSync(out, fs.readFileSync(out, 'utf8').replace('### GET /v1/search', '### GET /v1/find'));
    const stale = await gen(['--check', '--out', out]);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /api\.md is stale: the API changed without regenerating it\. Run `npx tsx scripts\/gen-api-doc\.ts`/);
    assert.match(stale.stderr, /- ### GET \/v1\/find\n\s+\+ ### GET \/v1\/search/);
    fs.rmSync(out);
    const missing = await gen(['--check', '--out', out]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /is missing: run/);
  });
});
