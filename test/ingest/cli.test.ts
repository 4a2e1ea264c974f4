import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { truncateFile } from '../../src/media';
import { runCli } from './helpers/cli';
import { clipRtsp, clipShort } from './helpers/media';
import { startRtspServer } from './helpers/rtsp';

/** A user-facing failure: exit code != 0 and exactly one line on stderr, no stack trace. */
function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0, 'non-zero exit');
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^video-agent: /);
  assert.match(lines[0], pattern);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
}

describe('ingest CLI (spawned)', function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-cli-'));
  let clip: string;
  before(async () => {
    clip = await clipShort();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ingests a file and prints a JSON summary', async () => {
    const r = await runCli(['ingest', clip, '--fps', '5', '--width', '160', '--height', '120', '--stream-id', 'cli-test', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    assert.equal(summary.streamId, 'cli-test');
    assert.equal(summary.state, 'ended');
    assert.ok(Math.abs((summary.frames as number) - 30) <= 1, `${summary.frames} frames`);
    assert.ok(Math.abs((summary.audioSeconds as number) - 6) < 0.05);
    assert.equal(summary.dropped, 0);
    assert.equal(summary.reconnects, 0);
  });

  it('prints progress lines and a text summary when not on a TTY', async () => {
    const r = await runCli(['ingest', clip, '--fps', '5', '--quality', '50']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /frames\s+30\b|frames\s+(29|31)\b/);
    assert.match(r.stdout, /audio seconds\s+6\.0\d/);
    assert.match(r.stdout, /wall time\s+[\d.]+ s/);
  });

  it('ingests an RTSP stream with live counters until --max-seconds', async () => {
    const server = await startRtspServer({ file: await clipRtsp(), audio: true });
    try {
      const r = await runCli(['ingest', server.url, '--fps', '5', '--max-seconds', '4', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout.trim()) as Record<string, number | string>;
      assert.equal(summary.state, 'stopped');
      assert.ok((summary.frames as number) >= 10 && (summary.frames as number) <= 22, `${summary.frames} frames in ~4 s at 5 fps`);
      assert.ok((summary.audioSeconds as number) > 2);
      assert.equal(summary.reconnects, 0);
    } finally {
      await server.kill();
    }
  });

  it('missing file', async () => {
    assertOneLineError(await runCli(['ingest', path.join(dir, 'missing.mp4')]), /file not found: .*missing\.mp4/);
  });

  it('non-media file', async () => {
    const f = path.join(dir, 'readme.mp4');
    fs.writeFileSync(f, 'not a video at all\n'.repeat(100));
    assertOneLineError(await runCli(['ingest', f]), /readme\.mp4 is not a media file/);
  });

  it('truncated file', async () => {
    const f = truncateFile(clip, path.join(dir, 'cut.mp4'), 0.5);
    assertOneLineError(await runCli(['ingest', f]), /cut\.mp4 is truncated or corrupt/);
  });

  it('unreachable host, after --connect-timeout', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
    const r = await runCli(['ingest', `rtsp://127.0.0.1:${port}/live`, '--connect-timeout', '1.5']);
    assertOneLineError(r, new RegExp(`could not connect to RTSP host 127\\.0\\.0\\.1:${port} .*within 1\\.5 s`));
  });

  it('RTSP credentials appear in no output, error or log line (debug logging on)', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
    const r = await runCli(['ingest', `rtsp://admin:s3cret@127.0.0.1:${port}/live`, '--connect-timeout', '1.5'], 45_000, { LOG_LEVEL: 'debug' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`^video-agent: could not connect to RTSP host 127\\.0\\.0\\.1:${port} \\(rtsp://127\\.0\\.0\\.1:${port}/live\\)`, 'm'));
    assert.match(r.stderr, /RTSP probe attempt failed/, 'debug log lines were written');
    assert.ok(!`${r.stdout}${r.stderr}`.includes('s3cret'), r.stderr);
  });

  it('bad pipeline: unknown name, bad parameter, bad launch line', async () => {
    assertOneLineError(await runCli(['ingest', clip, '--pipeline', 'nosuch']), /unknown pipeline 'nosuch'/);
    assertOneLineError(await runCli(['ingest', clip, '--fps', 'fast']), /parameter 'fps' must be an integer between 1 and 120, got "fast"/);
    const yaml = path.join(dir, 'broken.yaml');
    fs.writeFileSync(yaml, [
      'name: broken', 'kind: file',
      'launch: uridecodebin uri={uri} ! videoconvert ! jpegenc qualty=5 ! appsink name=frames sync=false',
    ].join('\n'));
    assertOneLineError(await runCli(['ingest', clip, '--pipeline', yaml]), /broken.*qualty/);
  });
});
