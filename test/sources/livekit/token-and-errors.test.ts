import assert from 'node:assert/strict';
import { accessToken, startLivekitSource, livekitOptionsFromSource } from '../../../src/sources/livekit';
import { connectError } from '../../../src/sources/livekit/connect-error';
import { resolveSource } from '../../../src/ingest';
import { isVideoAgentError } from '../../../src/errors';

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, any>;

describe('livekit: tokens, URLs and connection errors', function () {
  this.timeout(20_000);

  it('signs a subscribe-only grant for the room (data only when results go back)', async () => {
    const jwt = await accessToken({ room: 'demo', identity: 'agent-1', apiKey: 'APIkey123', apiSecret: 'shh-secret-0123456789abcdef0123456789' });
    const claims = decode(jwt);
    assert.equal(claims.iss, 'APIkey123');
    assert.equal(claims.sub, 'agent-1');
    assert.equal(claims.video.room, 'demo');
    assert.equal(claims.video.roomJoin, true);
    assert.equal(claims.video.canSubscribe, true);
    assert.equal(claims.video.canPublish, false);
    assert.equal(claims.video.canPublishData, false);
    assert.ok(claims.exp - claims.nbf >= 6 * 3600 - 5, 'lasts a long session');
    assert.ok(!jwt.includes('shh-secret'));
    const withData = decode(await accessToken({ room: 'demo', identity: 'a', apiKey: 'k', apiSecret: 's'.repeat(32), canPublishData: true }));
    assert.equal(withData.video.canPublishData, true);
    assert.equal(withData.video.canPublish, false);
  });

  it('uses a given token as is, and names what is missing without echoing secrets', async () => {
    assert.equal(await accessToken({ room: 'r', identity: 'a', token: 'x.y.z' }), 'x.y.z');
    await assert.rejects(accessToken({ room: 'r', identity: 'a', token: 'not-a-jwt' }), /not a JWT/);
    await assert.rejects(accessToken({ room: 'r', identity: 'a' }), (e: Error) => isVideoAgentError(e) && e.code === 'E_LIVEKIT_TOKEN' && /LIVEKIT_API_KEY and LIVEKIT_API_SECRET/.test(e.message));
    await assert.rejects(accessToken({ room: 'r', identity: 'a', apiKey: 'k' }), /LIVEKIT_API_SECRET is missing/);
  });

  it('classifies the SDK connect errors and scrubs tokens from them', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const cases: [string, string, string][] = [
      ['engine: signal failure: failed to parse the url: relative URL without a base', 'E_LIVEKIT_URL', 'bad_input'],
      [`engine: signal failure: client error: 401 Unauthorized for wss://h/rtc?access_token=${jwt}`, 'E_LIVEKIT_AUTH', 'unauthorized'],
      ['engine: signal failure: transport connection error: IO error: Connection refused (os error 111)', 'E_LIVEKIT_UNREACHABLE', 'unreachable'],
      ['engine: something else', 'E_LIVEKIT_CONNECT', 'remote_failure'],
    ];
    for (const [msg, code, kind] of cases) {
      const e = connectError(new Error(msg), 'ws://h/demo');
      assert.deepEqual([e.code, e.kind], [code, kind], msg);
      assert.ok(!e.message.includes(jwt) && !String((e.cause as Error).message).includes(jwt), 'no token in the error or its cause');
    }
  });

  it('a closed port on 127.0.0.1 fails the join at once with one clear error (the real SDK)', async () => {
    const t0 = Date.now();
    await assert.rejects(
      startLivekitSource({ url: 'ws://127.0.0.1:9', room: 'demo', apiKey: 'k', apiSecret: 's'.repeat(32), onParticipantStream: () => undefined }),
      (e: Error) => isVideoAgentError(e) && e.code === 'E_LIVEKIT_UNREACHABLE' && e.kind === 'unreachable' && /ws:\/\/127\.0\.0\.1:9\/demo/.test(e.message) && !/eyJ/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 8000, `failed within ${Date.now() - t0} ms`);
  });

  it('a join that never answers hits the connect timeout', async () => {
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = net.createServer((s) => { sockets.push(s); }); // accepts, never speaks
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    try {
      const t0 = Date.now();
      await assert.rejects(
        startLivekitSource({ url: `ws://127.0.0.1:${port}`, room: 'demo', token: 'a.b.c', connectTimeoutMs: 1500, onParticipantStream: () => undefined }),
        (e: Error) => isVideoAgentError(e) && e.code === 'E_LIVEKIT_UNREACHABLE' && /within 1.5 s/.test(e.message),
      );
      assert.ok(Date.now() - t0 < 4000);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('resolves livekit:// URLs (wss, livekit+ws for plain ws) and refuses bad ones before connecting', async () => {
    const s = resolveSource('livekit://lk.example.com/standup?participants=alice,bob&sources=camera&publish=1');
    assert.equal(s.kind, 'livekit');
    if (s.kind !== 'livekit') return;
    assert.deepEqual(livekitOptionsFromSource(s), { url: 'wss://lk.example.com', room: 'standup', participants: ['alice', 'bob'], sources: ['camera'], publishResults: true });
    const dev = resolveSource('livekit+ws://127.0.0.1:7880/demo');
    assert.equal(dev.uri, 'ws://127.0.0.1:7880');
    assert.throws(() => resolveSource('livekit://host'), /needs a room name/);
    assert.throws(() => resolveSource('livekit://key:topsecret@host/room'), (e: Error) => /carries credentials/.test(e.message) && !e.message.includes('topsecret'));
    const typo = resolveSource('livekit://h/r?participant=a');
    assert.throws(() => livekitOptionsFromSource(typo as never), /unknown LiveKit URL option 'participant'/);
    await assert.rejects(startLivekitSource({ url: 'http//nope', room: 'r', onParticipantStream: () => undefined }), /not a LiveKit server URL/);
    await assert.rejects(startLivekitSource({ url: 'ws://h', room: 'a/b', onParticipantStream: () => undefined }), /bad LiveKit room name/);
  });
});
