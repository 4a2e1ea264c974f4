import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { astronautWithSpeech } from '../e2e/media';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'test', 'ingest', 'helpers', 'cli-entry.ts');

/** The real CLI in a child process on the embedded defaults (PGlite, local emulator). */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'silent' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out: ${args.join(' ')}\n${stderr}`)); }, 240_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

describe('report: analyze CLI writes <data-dir>/reports/<stream>.html', function () {
  this.timeout(300_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-report-cli-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('by default: the summary\'s last line is the report path, and the file is a self-contained report', async () => {
    const r = await run(['analyze', astronautWithSpeech(), '--stages', 'detection', '--fps', '2', '--stream-id', 'cli-report', '--data-dir', dataDir, '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const want = path.resolve(dataDir, 'reports', 'cli-report.html');
    assert.equal(lines[lines.length - 1], `report: ${want}`);
    assert.match(r.stdout, /endpoint calls \(local emulator, CPU models\):[\s\S]*yolo: \d+ calls/, 'the summary before it is unchanged');
    const html = fs.readFileSync(want, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.ok((html.match(/src="data:image\/jpeg;base64,/g)?.length ?? 0) >= 2, 'key frames embedded');
    assert.match(html, /<strong>person<\/strong>/);
  });

  it('--no-report: no report line and no file', async () => {
    const r = await run(['analyze', astronautWithSpeech(), '--stages', 'detection', '--fps', '2', '--stream-id', 'cli-no-report', '--data-dir', dataDir, '--no-progress', '--no-report']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!/report:/.test(r.stdout), r.stdout);
    assert.match(r.stdout.trimEnd().split('\n').pop() ?? '', /^note: /);
    assert.ok(!fs.existsSync(path.join(dataDir, 'reports', 'cli-no-report.html')));
  });
});
