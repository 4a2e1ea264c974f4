/** The server's guards in-process: loopback without a key, rate limit per key, CORS off by default, slow WebSocket clients. */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { serveConfigSchema } from '../../src/server/config/server-config';
import { startServer, type RunningServer } from '../../src/server/start-server';
import { LocalLiveFeed } from '../../src/server/live/live-feed';
import { e2eEnv, type E2eEnv } from '../e2e/helpers';
import { api } from './helpers';

const KEY_A = 'security-key-a-0123456789';
const KEY_B = 'security-key-b-0123456789';

describe('serve: security guards', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  let srv: RunningServer | null = null;
  before(async () => { env = await e2eEnv('serve_security'); });
  afterEach(async () => { await srv?.close({ timeoutMs: 10_000 }); srv = null; });
  after(async () => { await env?.close(); });

  const start = (server: Record<string, unknown>, keys?: string) =>
    startServer({ config: serveConfigSchema.parse({ server: { port: 0, mediaRoots: [], ...server } }), runtime: env.rt, env: keys ? { VIDEO_AGENT_API_KEY: keys } : {} });

  it('refuses a non-loopback address without an API key, and keys shorter than 16 characters', async () => {
    await assert.rejects(start({ host: '0.0.0.0' }), (e: { code?: string; message: string }) => e.code === 'E_NO_API_KEY' && /VIDEO_AGENT_API_KEY/.test(e.message));
    await assert.rejects(start({}, 'short'), (e: { code?: string }) => e.code === 'E_BAD_CONFIG');
  });

  it('rate-limits per key: 429 with Retry-After, other keys unaffected', async () => {
    srv = await start({ rateLimit: { max: 5, windowS: 60 } }, `${KEY_A},${KEY_B}`);
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await api(srv.url, 'GET', '/v1/streams', { key: KEY_A })).status);
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 429, 429]);
    const limited = await api(srv.url, 'GET', '/v1/streams', { key: KEY_A });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0, `Retry-After: ${limited.headers['retry-after']}`);
    assert.equal(limited.json.error.message.includes(KEY_A), false, 'the key is not echoed');
    assert.equal((await api(srv.url, 'GET', '/v1/streams', { key: KEY_B })).status, 200, 'another key has its own budget');
    assert.equal((await api(srv.url, 'GET', '/healthz')).status, 200, 'probes are not limited');
  });

  it('X-Forwarded-For keys the rate limit only from a trusted proxy, and X-Forwarded-Proto https makes the cookie Secure', async () => {
    // Not trusted (the default): a client cannot pick its own budget by sending the header.
    srv = await start({ rateLimit: { max: 2, windowS: 60 } });
    const codes = [];
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) codes.push((await api(srv.url, 'GET', '/v1/streams', { headers: { 'x-forwarded-for': ip } })).status);
    assert.deepEqual(codes, [200, 200, 429]);
    await srv.close({ timeoutMs: 10_000 });
    // Behind a trusted proxy (here: loopback) each client has its own budget.
    srv = await start({ rateLimit: { max: 2, windowS: 60 }, trustProxy: ['127.0.0.1/32', '::1'] }, KEY_A);
    const perClient = [];
    for (const ip of ['10.0.0.1', '10.0.0.1', '10.0.0.1', '10.0.0.2']) {
      const r = await api(srv.url, 'POST', '/v1/session', { headers: { 'x-forwarded-for': ip, 'x-forwarded-proto': 'https' }, body: { key: 'wrong-key-0123456789abc' } });
      perClient.push(r.status);
    }
    assert.deepEqual(perClient, [401, 401, 429, 401], 'the third try of 10.0.0.1 is limited, 10.0.0.2 is not');
    const login = await api(srv.url, 'POST', '/v1/session', { headers: { 'x-forwarded-for': '10.0.0.9', 'x-forwarded-proto': 'https' }, body: { key: KEY_A } });
    assert.equal(login.status, 204);
    assert.match(String(login.headers['set-cookie']), /; Secure/);
    assert.throws(() => serveConfigSchema.parse({ server: { trustProxy: ['not an address'] } }), /an IP address or CIDR/);
  });

  it('session cookies: login with a key, a wrong key refused, cross-origin state changes with the cookie refused, logout', async () => {
    srv = await start({}, KEY_A);
    assert.deepEqual((await api(srv.url, 'GET', '/v1/session')).json, { auth: true, loggedIn: false });
    assert.equal((await api(srv.url, 'POST', '/v1/session', { body: { key: 'wrong-key-0123456789abc' } })).status, 401);
    const login = await api(srv.url, 'POST', '/v1/session', { body: { key: KEY_A } });
    assert.equal(login.status, 204);
    const setCookie = String(login.headers['set-cookie']);
    assert.match(setCookie, /^va_session=[A-Za-z0-9_-]{40,};/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.ok(!setCookie.includes(KEY_A), 'the cookie is not the key');
    const cookie = setCookie.split(';')[0];
    assert.equal((await api(srv.url, 'GET', '/v1/streams', { headers: { cookie } })).status, 200);
    assert.deepEqual((await api(srv.url, 'GET', '/v1/session', { headers: { cookie } })).json, { auth: true, loggedIn: true });
    const cross = await api(srv.url, 'POST', '/v1/streams', { headers: { cookie, origin: 'https://evil.example' }, body: { source: 'rtsp://x/y' } });
    assert.equal(cross.status, 403);
    assert.equal(cross.json.error.code, 'E_CROSS_ORIGIN');
    assert.equal((await api(srv.url, 'GET', '/v1/streams', { headers: { cookie: 'va_session=forged-token-value' } })).status, 401);
    assert.equal((await api(srv.url, 'DELETE', '/v1/session', { headers: { cookie } })).status, 204);
    assert.equal((await api(srv.url, 'GET', '/v1/streams', { headers: { cookie } })).status, 401, 'the token is revoked');
    const page = await api(srv.url, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  });

  it('answers no CORS headers unless origins are configured', async () => {
    srv = await start({});
    const pre = await api(srv.url, 'OPTIONS', '/v1/streams', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    await srv.close();
    srv = await start({ corsOrigins: ['https://ops.example'] });
    const ok = await api(srv.url, 'GET', '/v1/streams', { headers: { origin: 'https://ops.example' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://ops.example');
    const other = await api(srv.url, 'GET', '/v1/streams', { headers: { origin: 'https://evil.example' } });
    assert.notEqual(other.headers['access-control-allow-origin'], 'https://evil.example');
  });

  it('closes a WebSocket client that stops reading with code 4008; other clients keep receiving', async () => {
    srv = await start({ liveQueue: 20 });
    const feed = srv.ctx.feed as LocalLiveFeed;
    assert.equal(feed.kind, 'local');
    const url = `${srv.url.replace('http', 'ws')}/v1/live?topics=state`;
    const open = (ws: WebSocket) => new Promise<void>((r, j) => { ws.once('open', () => r()); ws.once('error', j); });
    const slow = new WebSocket(url);
    const fast = new WebSocket(url);
    await Promise.all([open(slow), open(fast)]);
    let fastGot = 0;
    fast.on('message', () => { fastGot++; });
    // The slow client's socket stops reading: the kernel buffers fill, then the server's queue does.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = new Promise<number>((r) => slow.once('close', (code) => r(code)));
    const reason = 'x'.repeat(64 * 1024);
    let i = 0;
    const pump = setInterval(() => {
      for (let k = 0; k < 20; k++) feed.publish('state', { streamId: 's1', ptsUs: i++, ts: Date.now(), state: 'running', previous: null, reason, restarts: 0 });
    }, 5);
    // Resume reading so the close frame can be seen once the server gave up on this client.
    const resume = setTimeout(() => (slow as unknown as { _socket: { resume(): void } })._socket.resume(), 3000);
    const code = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 30_000))]);
    clearInterval(pump);
    clearTimeout(resume);
    assert.equal(code, 4008, 'closed as too slow');
    assert.ok(fastGot > 20, `the reading client kept receiving (${fastGot})`);
    fast.close();
  });
});
