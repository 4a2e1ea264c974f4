import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'test', 'ingest', 'helpers', 'cli-entry.ts');

function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'silent' };
  return spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finish(child: ChildProcess, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out\n${stderr}`)); }, timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

describe('runpod CLI: emulate and endpoints check', function () {
  this.timeout(180_000);
  let emulator: ChildProcess | undefined;
  after(() => emulator?.kill('SIGKILL'));

  it('`emulate --port 0` serves the API; `endpoints check` against it validates replies and reports latency', async () => {
    emulator = start(['emulate', '--port', '0']);
    const { apiBase, key } = await new Promise<{ apiBase: string; key: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 60_000);
      emulator!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^Use: RUNPOD_API_BASE=(http:\/\/127\.0\.0\.1:\d+\/v2) RUNPOD_API_KEY=(\S+)$/m.exec(out);
        if (m) { clearTimeout(timer); resolve({ apiBase: m[1], key: m[2] }); }
      });
      emulator!.on('exit', (code) => reject(new Error(`emulator exited (${code}): ${out}`)));
    });
    // Closed by default: the key printed once on stdout is the only way in.
    assert.ok(key.length >= 32, key);
    assert.equal((await fetch(`${apiBase}/vlm/health`)).status, 401);
    assert.equal((await fetch(`${apiBase}/vlm/health`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
    // A real-looking configuration pointing at the emulator: the client path used for RunPod proper.
    const r = await finish(start(['endpoints', 'check', '--model', 'vlm', '--samples', '2', '--json'], {
      RUNPOD_API_KEY: key, RUNPOD_API_BASE: apiBase, RUNPOD_VLM_ENDPOINT_ID: 'vlm',
    }));
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { local: boolean; results: { model: string; verdict: string; p50Ms?: number }[] };
    assert.equal(report.local, false, 'with RUNPOD_API_KEY set the configured base must be used, not a private emulator');
    assert.equal(report.results.length, 1);
    assert.equal(report.results[0].model, 'vlm');
    assert.notEqual(report.results[0].verdict, 'FAIL', JSON.stringify(report.results[0]));
    assert.ok(!(r.stdout + r.stderr).includes(key), 'the API key must never be printed');
    emulator.kill('SIGTERM');
    const stopped = await new Promise<number | null>((resolve) => emulator!.once('exit', (code) => resolve(code)));
    assert.ok(stopped === 0 || stopped === null, `emulator exit ${stopped}`);
    emulator = undefined;
  });

  it('refuses a non-loopback bind address and an unknown model with one clear line', async () => {
    const bad = await finish(start(['emulate', '--host', '0.0.0.0', '--port', '0']));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr.trim(), /^video-agent: .*loopback/i);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    const model = await finish(start(['endpoints', 'check', '--model', 'nope']));
    assert.equal(model.code, 1);
    assert.match(model.stderr.trim(), /^video-agent: --model must be one of/);
  });
});
