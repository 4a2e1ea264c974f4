/**
 * `video-agent serve --tls-cert --tls-key`: a real serve process over HTTPS and WSS with a self-signed
 * certificate made here by openssl, the API key and the database URL read from files (`_FILE`), and the
 * clear errors for a missing, lone or bad certificate.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { schemaDatabaseUrl, tempDir, waitFor } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'test', 'ingest', 'helpers', 'cli-entry.ts');
const KEY = 'tls-test-key-0123456789abcdef';

interface Serve { proc: ChildProcess; url: string; stderr(): string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

/** Spawns the CLI's serve; resolves with the URL it prints, or rejects with its stderr when it exits first. */
function spawnServe(args: string[], env: Record<string, string>, timeoutMs = 60_000): { started: Promise<Serve>; exited: Promise<{ code: number | null; stderr: string }> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve', '--port', '0', ...args], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  const killer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  void exit.then(() => clearTimeout(killer));
  const started = new Promise<Serve>((resolve, reject) => {
    proc.stdout!.on('data', () => {
      const m = /serving on (https?:\/\/\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1]!, stderr: () => err, exited: exit });
    });
    void exit.then((e) => reject(new Error(`serve exited (${e.code ?? e.signal}) before serving:\n${err}`)));
  });
  started.catch(() => undefined);
  return { started, exited: exit.then((e) => ({ code: e.code, stderr: err })) };
}

describe('serve over TLS (--tls-cert/--tls-key)', function () {
  this.timeout(120_000);
  let dir: string;
  let cert: string;
  let key: string;
  let ca: Buffer;
  before(() => {
    dir = tempDir('va-tls-');
    cert = path.join(dir, 'cert.pem');
    key = path.join(dir, 'key.pem');
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'pipe', timeout: 30_000 });
    } catch (err) {
      throw new Error(`openssl could not make a test certificate (apt-get install openssl): ${(err as Error).message}`);
    }
    ca = fs.readFileSync(cert);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves /healthz over HTTPS and /v1/live over WSS, with the key and database URL from _FILE secrets', async () => {
    const db = await schemaDatabaseUrl('serve_tls');
    const keyFile = path.join(dir, 'api-key');
    const dbFile = path.join(dir, 'database-url');
    fs.writeFileSync(keyFile, `${KEY}\n`);
    fs.writeFileSync(dbFile, `${db.url}\n`);
    fs.mkdirSync(path.join(dir, 'media'), { recursive: true });
    // Not media: a stream of it starts and fails, which the state topic reports over the WSS connection.
    fs.writeFileSync(path.join(dir, 'media', 'broken.mp4'), 'not a video');
    const cfg = path.join(dir, 'video-agent.yaml');
    fs.writeFileSync(cfg, 'server:\n  host: 127.0.0.1\n  mediaRoots: [./media]\n  dataDir: ./data\n');
    const { started } = spawnServe(['--config', cfg, '--tls-cert', cert, '--tls-key', key], { VIDEO_AGENT_API_KEY_FILE: keyFile, DATABASE_URL_FILE: dbFile });
    const srv = await started;
    const agent = new Agent({ connect: { ca } });
    try {
      assert.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const health = await request(`${srv.url}/healthz`, { dispatcher: agent });
      assert.equal(health.statusCode, 200);
      await health.body.dump();

      // The certificate is what is checked: without trusting it the handshake fails.
      await assert.rejects(request(`${srv.url}/healthz`), (e: Error & { code?: string; cause?: { code?: string } }) => /self-signed|SELF_SIGNED|DEPTH_ZERO/i.test(`${e.code} ${e.cause?.code} ${e.message}`));
      // Plain HTTP on the TLS port gets no HTTP answer.
      await assert.rejects(request(srv.url.replace('https:', 'http:') + '/healthz', { headersTimeout: 5000, bodyTimeout: 5000 }));

      // The key from VIDEO_AGENT_API_KEY_FILE is the one the API checks.
      const unauth = await request(`${srv.url}/v1/streams`, { dispatcher: agent });
      assert.equal(unauth.statusCode, 401);
      await unauth.body.dump();
      const list = await request(`${srv.url}/v1/streams`, { dispatcher: agent, headers: { authorization: `Bearer ${KEY}` } });
      assert.equal(list.statusCode, 200);
      assert.deepEqual(await list.body.json(), { streams: [] });

      // Over HTTPS the dashboard's session cookie is Secure.
      const login = await request(`${srv.url}/v1/session`, { dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: KEY }) });
      assert.equal(login.statusCode, 204);
      assert.match(String(login.headers['set-cookie']), /;\s*Secure/i);
      await login.body.dump();

      // WSS: the upgrade happens over TLS, authenticated by the key; a state message arrives through it.
      const ws = new WebSocket(`${srv.url.replace(/^https/, 'wss')}/v1/live?topics=state`, { ca, headers: { authorization: `Bearer ${KEY}` } });
      const messages: { topic: string; streamId: string; state?: string }[] = [];
      ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
      await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`))); });
      assert.equal((ws as unknown as { _socket: { encrypted?: boolean } })._socket.encrypted, true, 'the WebSocket runs over TLS');
      const add = await request(`${srv.url}/v1/streams`, { dispatcher: agent, method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'broken', source: 'broken.mp4', stages: [] }) });
      assert.equal(add.statusCode, 201, await add.body.text());
      await waitFor(() => messages.some((m) => m.topic === 'state' && m.streamId === 'broken'), 30_000, 'a state message over WSS');
      ws.close();

      const refused = new WebSocket(`${srv.url.replace(/^https/, 'wss')}/v1/live?topics=state`, { ca });
      const status = await new Promise<number>((resolve, reject) => { refused.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)); refused.once('open', () => reject(new Error('opened without a key'))); refused.once('error', reject); });
      assert.equal(status, 401);

      srv.proc.kill('SIGTERM');
      const exit = await srv.exited;
      assert.equal(exit.code, 0, srv.stderr());
      assert.ok(!srv.stderr().includes(KEY), 'the key never reaches the logs');
    } finally {
      srv.proc.kill('SIGKILL');
      await agent.close();
      await db.drop();
    }
  });

  const fails = async (args: string[], expected: RegExp) => {
    const { exited } = spawnServe(args, {}, 30_000);
    const r = await exited;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim(), expected);
    assert.ok(!r.stderr.includes('PRIVATE KEY'), 'no PEM in the error');
    return r.stderr;
  };

  it('a missing certificate file: one line naming the flag and the path, exit 1', async () => {
    const missing = path.join(dir, 'nope.pem');
    await fails(['--tls-cert', missing, '--tls-key', key], new RegExp(`^video-agent: cannot read --tls-cert ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file$`));
  });

  it('--tls-cert without --tls-key (and the reverse) is refused', async () => {
    await fails(['--tls-cert', cert], /^video-agent: --tls-cert and --tls-key go together \(--tls-key is missing\)$/);
    await fails(['--tls-key', key], /^video-agent: --tls-cert and --tls-key go together \(--tls-cert is missing\)$/);
  });

  it('a file that is not a certificate, or a key that does not match it, is a clear error', async () => {
    const junk = path.join(dir, 'junk.pem');
    fs.writeFileSync(junk, 'this is not PEM\n');
    await fails(['--tls-cert', junk, '--tls-key', key], /^video-agent: invalid TLS certificate or key \(--tls-cert\/--tls-key\): .+$/);
    const otherKey = path.join(dir, 'other-key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', otherKey], { stdio: 'pipe', timeout: 30_000 });
    await fails(['--tls-cert', cert, '--tls-key', otherKey], /^video-agent: invalid TLS certificate or key \(--tls-cert\/--tls-key\): .*mismatch/i);
  });
});
