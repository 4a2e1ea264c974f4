import assert from 'node:assert/strict';
import http from 'node:http';
import { RunpodEmulator, type EmulatorConfigInput } from '../../src/runpod/emulator';
import { startLocalInference } from '../../src/runpod';
import { TINY_B64 } from './helpers';

/**
 * The emulator is a local service a web page must not reach: a key by default (generated at start), Host
 * pinned to the loopback address and port (DNS rebinding), and no browser requests (Origin header).
 */
function raw(em: RunpodEmulator, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const u = new URL(em.apiBase);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: `/v2${path}`, headers: { 'content-type': 'application/json', ...headers }, setHost: !('host' in headers) }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function withEmulator(cfg: EmulatorConfigInput, fn: (em: RunpodEmulator) => Promise<void>): Promise<void> {
  const em = await new RunpodEmulator({ endpoints: { yolo: { backend: 'stub' } }, ...cfg }).start();
  try {
    await fn(em);
  } finally {
    await em.close();
  }
}

const job = { input: { images: [TINY_B64] } };

describe('runpod emulator: local access only', () => {
  it('generates a random key at start: without it every route, admin included, is 401', () =>
    withEmulator({}, async (em) => {
      assert.ok(em.generatedKey);
      assert.ok(em.apiKey && em.apiKey.length >= 32, 'a key long enough not to be guessed');
      const other = new RunpodEmulator({ endpoints: { yolo: { backend: 'stub' } } });
      assert.notEqual(other.apiKey, em.apiKey, 'a fresh key per emulator');
      assert.equal((await raw(em, 'POST', '/yolo/run', {}, job)).status, 401);
      assert.equal((await raw(em, 'GET', '/yolo/health', {})).status, 401);
      const u = new URL(em.url);
      const admin = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/admin/yolo/faults' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        req.on('error', reject);
        req.end(JSON.stringify({ http5xx: { rate: 1 } }));
      });
      assert.equal(admin, 401, 'faults cannot be changed without the key');
      const ok = await raw(em, 'POST', '/yolo/runsync', { authorization: `Bearer ${em.apiKey}` }, job);
      assert.equal(ok.status, 200);
      assert.equal(ok.json.status, 'COMPLETED');
    }));

  it('refuses a Host that is not its loopback address and port (DNS rebinding), even with the key', () =>
    withEmulator({}, async (em) => {
      const port = new URL(em.apiBase).port;
      const auth = { authorization: `Bearer ${em.apiKey}` };
      for (const host of ['evil.example', `evil.example:${port}`, '127.0.0.1', `127.0.0.1:${Number(port) + 1}`, `localhost.evil.example:${port}`]) {
        const r = await raw(em, 'GET', '/yolo/health', { ...auth, host });
        assert.equal(r.status, 403, host);
        assert.match(r.json.error, /Host/);
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
        assert.equal((await raw(em, 'GET', '/yolo/health', { ...auth, host })).status, 200, host);
      }
    }));

  it('refuses any request carrying an Origin header (a browser), even with the key', () =>
    withEmulator({}, async (em) => {
      for (const origin of ['http://evil.example', em.url, 'null']) {
        const r = await raw(em, 'POST', '/yolo/run', { authorization: `Bearer ${em.apiKey}`, origin }, job);
        assert.equal(r.status, 403, origin);
        assert.match(r.json.error, /Origin/);
      }
    }));

  it('auth: false is open to local programs but keeps the Host and Origin checks; a configured key is used as is', async () => {
    await withEmulator({ auth: false }, async (em) => {
      assert.equal(em.apiKey, undefined);
      assert.equal((await raw(em, 'GET', '/yolo/health', {})).status, 200);
      assert.equal((await raw(em, 'GET', '/yolo/health', { host: 'evil.example' })).status, 403);
      assert.equal((await raw(em, 'GET', '/yolo/health', { origin: 'http://evil.example' })).status, 403);
    });
    await withEmulator({ apiKey: 'configured-key' }, async (em) => {
      assert.equal(em.generatedKey, false);
      assert.equal(em.apiKey, 'configured-key');
    });
    assert.throws(() => new RunpodEmulator({ auth: false, apiKey: 'k' }), /auth is false/);
  });

  it('startLocalInference hands the generated key to its own client', async () => {
    const local = await startLocalInference({ env: {}, emulator: { endpoints: { yolo: { backend: 'stub' } } } });
    try {
      assert.ok(local.emulator.generatedKey);
      const out = await local.client.detect([Buffer.from('x')]);
      assert.equal(out.perImage.length, 1);
      assert.equal((await raw(local.emulator, 'GET', '/yolo/health', {})).status, 401, 'the emulator is not open');
    } finally {
      await local.close();
    }
  });
});
