import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'test', 'ingest', 'helpers', 'cli-entry.ts');

/** The real CLI in a child process with a clean environment: no DATABASE_URL, REDIS_URL or RUNPOD_API_KEY. */
function run(args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'silent' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out: ${args.join(' ')}\n${stderr}`)); }, timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

function assertOneLine(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 1);
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^video-agent: /);
  assert.match(lines[0], pattern);
}

describe('e2e: analyze / worker CLI', function () {
  this.timeout(300_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-analyze-cli-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('analyze --sample works end to end on the embedded defaults (PGlite, local emulator) and prints a summary', async () => {
    const r = await run(['analyze', '--sample', '--fps', '2', '--data-dir', dataDir, '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rows for this stream:\n\s+streams 1 · frames (2[2-6]) · detections \d+ · audio_segments [1-9]\d* · events [1-9]/);
    // The sample's face and two voices: the emotion and diarization stages run with --sample.
    assert.match(r.stdout, /speakers:\n\s+S\d: [\d.]+ s in \d+ turns? .*\n\s+S\d: [\d.]+ s in \d+ turns?/);
    assert.match(r.stdout, /emotions \(dominant, per face looked at\):\n\s+[a-z]+ [1-9]/);
    assert.match(r.stdout, /top events:\n\s+\d\.\d\d\s+\d+\.\ds–\d+\.\ds\s+\S/);
    assert.match(r.stdout, /endpoint calls \(local emulator, CPU models\):[\s\S]*yolo: \d+ calls/);
    assert.match(r.stdout, /GPU seconds \(modelled: local CPU models, estimate for .+\) [\d.]+ · estimated cost \$[\d.]+/);
    assert.match(r.stdout, /note: Estimate: local CPU models ran these calls/);
    assert.ok(fs.existsSync(path.join(dataDir, 'samples')), 'sample generated into the data dir');
    // Highlights are listed with their clip files (a faststart MP4 in <data-dir>/clips).
    const clip = /highlights \(score, span, why; clip when exported\):\n\s+\d\.\d\d\s+[\d.]+s–[\d.]+s .*\[[a-z_]+ [\d.]+.*\]\n\s+clip: file:\/\/(\S+\.mp4)/.exec(r.stdout);
    assert.ok(clip, r.stdout);
    assert.ok(clip[1]!.startsWith(path.join(dataDir, 'clips')) && fs.statSync(clip[1]!).size > 1000, `clip file ${clip[1]}`);
    // The highlights command reads the same from the database; --export finds nothing left to cut.
    const id = /^stream (\S+) /m.exec(r.stdout)![1]!;
    const h = await run(['highlights', id, '--top', '3', '--export', '--data-dir', dataDir]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, new RegExp(`highlights of ${id} \\(best [1-3], in media order\\):\\n\\s+\\d\\.\\d\\d`));
    assert.match(h.stdout, /why: [a-z_]+ \d\.\d\d/);
    assert.ok(h.stdout.includes(`clip: file://${clip[1]}`), h.stdout);
    assertOneLine(await run(['highlights', 'no-such-stream', '--data-dir', dataDir]), /unknown stream "no-such-stream"; streams here: /);
  });

  it('bad input: one clear line and exit 1', async () => {
    assertOneLine(await run(['analyze', '/nonexistent/clip.mp4']), /file not found: \/nonexistent\/clip\.mp4/);
    assertOneLine(await run(['analyze', '--sample', '--stages', 'detection,teleport', '--data-dir', dataDir]), /unknown stage teleport/);
    assertOneLine(await run(['analyze']), /missing source/);
    assertOneLine(await run(['analyze', 'x.mp4', '--fps', '-3']), /--fps must be a positive number/);
  });

  it('worker needs REDIS_URL and says so; an unreachable Redis is one line too', async () => {
    assertOneLine(await run(['worker', '--stage', 'detection']), /needs Redis: set REDIS_URL/);
    assertOneLine(await run(['worker', '--stage', 'ocr'], { REDIS_URL: 'redis://127.0.0.1:6379' }), /unknown stage 'ocr'/);
    assertOneLine(await run(['worker', '--stage', 'audio'], { REDIS_URL: 'redis://127.0.0.1:1' }), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it('analyze livekit://: no credentials, credentials in the URL, an unreachable server: one line each', async () => {
    const args = (url: string) => ['analyze', url, '--duration', '2', '--data-dir', dataDir, '--no-progress'];
    assertOneLine(await run(args('livekit+ws://127.0.0.1:9/demo')), /no LiveKit credentials for room 'demo': set LIVEKIT_API_KEY and LIVEKIT_API_SECRET/);
    const withCreds = await run(args('livekit://admin:hunter2@127.0.0.1:9/demo'));
    assertOneLine(withCreds, /LiveKit URL carries credentials/);
    assert.ok(!withCreds.stderr.includes('hunter2'), 'the password is not echoed');
    const secret = 'lk-secret-0123456789-0123456789-abcdef';
    const down = await run(args('livekit+ws://127.0.0.1:9/demo'), { LIVEKIT_API_KEY: 'devkey', LIVEKIT_API_SECRET: secret });
    assertOneLine(down, /cannot reach the LiveKit server ws:\/\/127\.0\.0\.1:9/);
    assert.ok(!down.stderr.includes(secret), 'the secret is not echoed');
  });
});
