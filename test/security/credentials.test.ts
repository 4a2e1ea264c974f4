import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { defaultStreamId, resolveSource } from '../../src/ingest';
import { migrate } from '../../src/store/migrate';
import { upsertStream } from '../../src/store/streams';
import { requirePostgres, requireRedis } from '../helpers/services';
import { runCli } from '../ingest/helpers/cli';
import { clipRtsp } from '../ingest/helpers/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';

/**
 * A camera password must never reach anything a user or operator sees: stdout, stderr, log lines (debug
 * included), thrown errors with their cause chain, metric labels, database rows, Redis entries, the summary.
 * Every failure path of an RTSP source runs here with `alice:s3cr3t-pw` in the URL.
 */
const SECRET = 's3cr3t-pw';
// What a client could send on a 401: HTTP Basic of alice:s3cr3t-pw.
const SECRET_B64 = Buffer.from(`alice:${SECRET}`).toString('base64');
const url = (port: number, p = '/x') => `rtsp://alice:${SECRET}@127.0.0.1:${port}${p}`;
const PROBE = path.join(__dirname, 'leak-probe.ts');
const ROOT = path.resolve(__dirname, '..', '..');

function assertClean(what: string, text: string): void {
  for (const s of [SECRET, SECRET_B64]) {
    const at = text.indexOf(s);
    assert.equal(at, -1, `${what} contains the password: …${text.slice(Math.max(0, at - 200), at + 60)}…`);
  }
}

interface ProbeResult { code: number | null; stdout: string; stderr: string; out: Record<string, unknown> }

function runProbe(scenario: Record<string, unknown>, timeoutMs = 60_000): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PROBE, JSON.stringify(scenario)], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'debug', NODE_ENV: 'development' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`probe timed out\n${stderr}`)); }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '{}';
      let out: Record<string, unknown> = {};
      try { out = JSON.parse(last); } catch { /* asserted below */ }
      resolve({ code, stdout, stderr, out });
    });
  });
}

/** A one-shot server answering RTSP requests: OPTIONS 200, DESCRIBE with the given status line and headers. */
async function rtspResponder(describe: string): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const req = buf.slice(0, end);
        buf = buf.slice(end + 4);
        requests.push(req);
        const cseq = /^cseq:\s*(\d+)/im.exec(req)?.[1] ?? '0';
        const head = req.startsWith('OPTIONS')
          ? 'RTSP/1.0 200 OK\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN'
          : describe;
        sock.write(`${head}\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/** Accepts TCP connections and never answers (a camera that hangs). */
async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }) };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The probe in-process (errors, logs, metrics) and the real CLI (what a user sees), both checked. */
async function checkIngestPath(name: string, rtspUrl: string, extra: { pipeline?: string; expectCode?: RegExp } = {}): Promise<void> {
  const probe = await runProbe({ mode: 'ingest', url: rtspUrl, connectTimeoutMs: 2000, pipeline: extra.pipeline });
  assert.equal(probe.code, 0, `${name}: probe exit ${probe.code}\n${probe.stderr}`);
  assert.ok(probe.out.error, `${name}: the scenario must fail: ${probe.stdout}`);
  if (extra.expectCode) assert.match(JSON.stringify(probe.out.error), extra.expectCode, `${name}: ${probe.stdout}`);
  assert.ok(probe.stderr.includes('"level":50'), `${name}: the error must be logged (LOG_LEVEL=debug):\n${probe.stderr}`);
  assertClean(`${name}: probe stdout (error, cause chain, metrics)`, probe.stdout);
  assertClean(`${name}: probe stderr (log lines)`, probe.stderr);
  const cli = await runCli(['ingest', rtspUrl, '--connect-timeout', '2', '--max-seconds', '2', ...(extra.pipeline ? ['--pipeline', extra.pipeline] : [])], 60_000, { LOG_LEVEL: 'debug' });
  assert.notEqual(cli.code, 0, `${name}: CLI must fail\n${cli.stdout}\n${cli.stderr}`);
  assertClean(`${name}: CLI stdout`, cli.stdout);
  assertClean(`${name}: CLI stderr`, cli.stderr);
}

describe('credentials in RTSP URLs never leak', function () {
  this.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-cred-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('logs: a URL with userinfo in any string field of a logged error, its cause chain, the message or bindings', async () => {
    const probe = await runProbe({ mode: 'log', url: url(554) });
    assert.equal(probe.code, 0, probe.stderr);
    const lines = probe.stderr.trim().split('\n');
    assert.ok(lines.length >= 9, `every log call writes a line:\n${probe.stderr}`);
    // The rest of the URL stays: the lines still say which camera failed.
    assert.ok(lines.every((l) => l.includes('rtsp://127.0.0.1:554/x')), probe.stderr);
    assert.match(probe.stderr, /"cause":\{[^]*inner failure on rtsp:\/\/127\.0\.0\.1:554\/x/, 'the cause chain is kept');
    assertClean('log lines', probe.stderr);
  });

  it('streams rows: source and metadata lose userinfo whatever the caller passes', async () => {
    const pool = new Pool({ connectionString: await requirePostgres() });
    const streamId = `cred-test-${process.pid}`;
    try {
      await migrate(pool); // the test database may be fresh: this test must not rely on an earlier one
      const raw = url(554);
      const rec = await upsertStream(pool, { streamId, source: raw, startedAt: Date.now(), metadata: { input: raw, nested: { list: [raw] } } });
      assert.equal(rec.source, 'rtsp://127.0.0.1:554/x');
      const row = await pool.query('SELECT source, metadata FROM streams WHERE stream_id = $1', [streamId]);
      assert.deepEqual(row.rows[0].metadata, { input: 'rtsp://127.0.0.1:554/x', nested: { list: ['rtsp://127.0.0.1:554/x'] } });
      assertClean('streams row', JSON.stringify(row.rows));
    } finally {
      await pool.query('DELETE FROM streams WHERE stream_id = $1', [streamId]);
      await pool.end();
    }
  });

  it('a malformed RTSP URL (port out of range): the error names the URL without its userinfo', async () => {
    const bad = 'rtsp://alice:s3cr3t-pw@127.0.0.1:99999/x';
    assert.throws(() => resolveSource(bad), (e: Error) => /not a valid RTSP URL: rtsp:\/\/127\.0\.0\.1:99999\/x/.test(e.message) && !e.message.includes('s3cr3t-pw'));
    const cli = await runCli(['ingest', bad], 60_000, { LOG_LEVEL: 'debug' });
    assert.notEqual(cli.code, 0);
    assertClean('CLI stdout', cli.stdout);
    assertClean('CLI stderr', cli.stderr);
  });

  it('connection refused', async () => {
    await checkIngestPath('refused', url(await closedPort()), { expectCode: /E_CONNECT_TIMEOUT|unreachable|refused/i });
  });

  it('connect timeout (a listener that accepts and never answers)', async () => {
    const l = await silentListener();
    try {
      await checkIngestPath('timeout', url(l.port), { expectCode: /E_CONNECT_TIMEOUT/ });
    } finally {
      await l.close();
    }
  });

  it('401 Unauthorized with WWW-Authenticate', async () => {
    const r = await rtspResponder('RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="camera"');
    try {
      await checkIngestPath('401', url(r.port), { expectCode: /auth|401|unauthori[sz]ed|credentials/i });
      // The responder saw DESCRIBE: the failure came from the answer, not from an unreachable port.
      assert.ok(r.requests.some((q) => q.startsWith('DESCRIBE')), r.requests.join('\n---\n'));
    } finally {
      await r.close();
    }
  });

  it('bad path (404 Not Found)', async () => {
    const r = await rtspResponder('RTSP/1.0 404 Not Found');
    try {
      await checkIngestPath('404', url(r.port), { expectCode: /not.found|404|E_/i });
      assert.ok(r.requests.some((q) => q.startsWith('DESCRIBE')), r.requests.join('\n---\n'));
    } finally {
      await r.close();
    }
  });

  describe('with a real RTSP server', () => {
    let server: RtspServer;
    before(async () => {
      server = await startRtspServer({ file: await clipRtsp(), audio: false, mount: '/x' });
    });
    after(async () => server?.kill());

    it('missing plugin (a template naming an element that does not exist)', async () => {
      const tpl = path.join(dir, 'missing.yaml');
      fs.writeFileSync(tpl, [
        'name: missing', 'description: names an element that no plugin provides', 'kind: live',
        'launch: >-', '  rtspsrc location={uri} name=src ! application/x-rtp,media=video ! decodebin ! nosuchelement_va_test ! jpegenc ! appsink name=frames',
        '',
      ].join('\n'));
      await checkIngestPath('missing plugin', url(server.port), { pipeline: tpl, expectCode: /nosuchelement_va_test|E_/ });
    });

    it('analyze with the store and Redis: summary, rows, Redis entries, metrics', async () => {
      const databaseUrl = await requirePostgres();
      const redisUrl = await requireRedis();
      const good = url(server.port);
      const streamId = defaultStreamId(resolveSource(good));
      const refusedUrl = url(await closedPort(), '/y');
      const refusedId = defaultStreamId(resolveSource(refusedUrl));
      const ok = await runProbe({ mode: 'analyze', url: good, databaseUrl, redisUrl, maxDurationS: 2 }, 90_000);
      assert.equal(ok.code, 0, ok.stderr);
      assert.ok(ok.out.summary, `analyze must produce a summary: ${ok.stdout.slice(-2000)}\n${ok.stderr.slice(-2000)}`);
      assertClean('analyze: stdout (summary, metrics)', ok.stdout);
      assertClean('analyze: log lines', ok.stderr);
      const bad = await runProbe({ mode: 'analyze', url: refusedUrl, databaseUrl, redisUrl }, 90_000);
      assert.ok(bad.out.error, `analyze on a refused port must fail: ${bad.stdout}`);
      assertClean('analyze refused: stdout (error, metrics)', bad.stdout);
      assertClean('analyze refused: log lines', bad.stderr);

      const pool = new Pool({ connectionString: databaseUrl });
      try {
        const streams = await pool.query('SELECT * FROM streams WHERE stream_id = ANY($1)', [[streamId, refusedId]]);
        assert.equal(streams.rowCount, 2, 'both streams registered');
        for (const table of ['streams', 'skips', 'endpoint_calls']) {
          const rows = await pool.query(`SELECT * FROM ${table}`);
          assertClean(`${table} rows`, JSON.stringify(rows.rows));
        }
      } finally {
        await pool.end();
      }
      const redis = new Redis(redisUrl);
      try {
        let seen = 0;
        for (const id of [streamId, refusedId]) {
          for (const key of await redis.keys(`*${id}*`)) {
            const type = await redis.type(key);
            const value = type === 'stream' ? await redis.xrange(key, '-', '+') : type === 'hash' ? await redis.hgetall(key) : type === 'string' ? await redis.get(key) : type;
            assertClean(`Redis ${key}`, JSON.stringify(value));
            seen++;
          }
        }
        assert.ok(seen > 0, 'analyze with REDIS_URL must have written Redis entries for the stream');
      } finally {
        redis.disconnect();
      }
    });
  });
});
