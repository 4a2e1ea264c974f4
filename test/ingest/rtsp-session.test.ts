import assert from 'node:assert/strict';
import net from 'node:net';
import { VideoAgentError } from '../../src/errors';
import { SessionManager, openSource, type SessionStats } from '../../src/ingest';
import type { Frame } from '../../src/types';
import { clipRtsp } from './helpers/media';
import { startRtspServer, type RtspServer } from './helpers/rtsp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('ingest: RTSP sessions (GstRtspServer fixture on 127.0.0.1)', function () {
  this.timeout(90_000);
  let file: string;
  let server: RtspServer | undefined;
  const extra: RtspServer[] = [];
  before(async () => {
    file = await clipRtsp();
  });
  afterEach(async () => {
    await server?.kill();
    server = undefined;
    for (const x of extra.splice(0)) await x.kill();
  });

  it('receives frames, reconnects after the server is killed and restarted, pts stay monotonic', async () => {
    server = await startRtspServer({ file, audio: true });
    const port = server.port;
    // A killed server is not always seen as a socket error (RTP over UDP just stops): the stall watchdog
    // catches that case, so keep it short here.
    const session = await openSource(server.url, { params: { fps: 5, width: 160, height: 120 }, stallTimeoutMs: 2000, backoff: { initialDelayMs: 100, maxDelayMs: 400 } });
    assert.equal(session.live, true);
    assert.deepEqual(session.pipeline.sinks, ['frames', 'audio']);
    const frames: Frame[] = [];
    let audioChunks = 0;
    const run = session.run({ onFrame: (f) => { frames.push(f); }, onAudio: () => { audioChunks++; } });
    await until(() => frames.length >= 5, 15_000, 'first frames');
    assert.ok(audioChunks > 0, 'audio arrives too');

    await server.kill();
    await until(() => session.state === 'reconnecting', 15_000, 'the drop to be noticed');
    // Counted once the old connection is over: frames still buffered in it when the server died are not
    // evidence of a reconnect.
    const beforeDrop = frames.length;
    await sleep(500);
    server = await startRtspServer({ file, audio: true, port });
    await until(() => session.stats().reconnects >= 1 && frames.length >= beforeDrop + 5, 20_000, 'frames after the restart');
    await session.stop();
    const stats = await run;

    assert.ok(stats.reconnects >= 1, `reconnects ${stats.reconnects}`);
    assert.equal(stats.state, 'stopped');
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i].ptsUs > frames[i - 1].ptsUs, `pts ${frames[i].ptsUs} after ${frames[i - 1].ptsUs}`);
    // Wall clock stays near real time across the outage (pts follow elapsed time, not just the last pts).
    assert.ok(Math.abs(frames[frames.length - 1].ts - Date.now()) < 3000, 'ts near now');
  });

  it('a silent stall (server frozen, connection open) is detected by the watchdog and reconnected', async () => {
    server = await startRtspServer({ file });
    const session = await openSource(server.url, { params: { fps: 5, width: 160, height: 120 }, stallTimeoutMs: 1000, backoff: { initialDelayMs: 100, maxDelayMs: 300 } });
    const frames: Frame[] = [];
    const reasons: string[] = [];
    session.on('reconnecting', (r: { reason: string }) => reasons.push(r.reason));
    const run = session.run({ onFrame: (f) => { frames.push(f); } });
    await until(() => frames.length >= 3, 15_000, 'first frames');
    server.proc.kill('SIGSTOP');
    await until(() => reasons.length > 0, 8000, 'the stall to be detected');
    assert.match(reasons[0], /no media for a while from rtsp:\/\/127\.0\.0\.1/);
    server.proc.kill('SIGCONT');
    const before = frames.length;
    await until(() => frames.length >= before + 3, 20_000, 'frames after the stall');
    await session.stop();
    const stats = await run;
    assert.ok(stats.reconnects >= 1);
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i].ptsUs > frames[i - 1].ptsUs);
  });

  it('a slow consumer on a live source drops frames (counted) instead of stalling', async () => {
    server = await startRtspServer({ file });
    const session = await openSource(server.url, { params: { fps: 25, width: 160, height: 120, max_buffers: 1 } });
    let frames = 0;
    const run = session.run({ onFrame: async () => { frames++; await sleep(400); } });
    await sleep(4000);
    await session.stop();
    const stats = await run;
    assert.ok(stats.dropped > 0, `dropped ${stats.dropped}`);
    assert.ok(frames >= 3 && frames <= 20, `${frames} frames consumed`);
  });

  it('the first connection to a closed port fails after the connect timeout with a clear error naming the host', async () => {
    const port = await freePort();
    const t0 = Date.now();
    await assert.rejects(openSource(`rtsp://127.0.0.1:${port}/cam`, { connectTimeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof VideoAgentError);
      assert.equal(err.code, 'E_CONNECT_TIMEOUT');
      assert.match(err.message, new RegExp(`could not connect to RTSP host 127\\.0\\.0\\.1:${port} .*within 2 s`));
      return true;
    });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 1900 && elapsed < 8000, `failed after ${elapsed} ms`);
  });

  it('runs several sessions in one process: stopping one or one failing does not disturb the others', async () => {
    server = await startRtspServer({ file });
    // One camera (server) per session: the fixture's single shared media can refuse a client that connects
    // while another client's connection is being set up (GstRtspServer answers 503 until it settles), which
    // is the fixture's limit, not what this test is about.
    const serverB = await startRtspServer({ file });
    const serverC = await startRtspServer({ file });
    extra.push(serverB, serverC);
    const manager = new SessionManager();
    const counts = new Map<string, number>();
    const onFrame = (f: Frame) => { counts.set(f.streamId, (counts.get(f.streamId) ?? 0) + 1); };
    const errors: string[] = [];
    manager.on('session-error', (id: string) => errors.push(id));
    const ended: SessionStats[] = [];
    manager.on('session-end', (s: SessionStats) => ended.push(s));
    const opts = { params: { fps: 5, width: 160, height: 120 }, handlers: { onFrame } };
    await manager.add(server.url, { ...opts, streamId: 'cam-a' });
    await manager.add(serverB.url, { ...opts, streamId: 'cam-b' });
    await assert.rejects(manager.add(serverB.url, { ...opts, streamId: 'cam-b' }), /already being ingested/);
    await until(() => (counts.get('cam-a') ?? 0) >= 3 && (counts.get('cam-b') ?? 0) >= 3, 15_000, 'both sessions');

    const a = await manager.stop('cam-a');
    assert.equal(a?.state, 'stopped');
    const bAtStop = counts.get('cam-b')!;
    const aAtStop = counts.get('cam-a')!;
    await sleep(1500);
    assert.ok(counts.get('cam-b')! >= bAtStop + 4, `cam-b kept going (${bAtStop} -> ${counts.get('cam-b')})`);
    assert.equal(counts.get('cam-a'), aAtStop, 'cam-a stopped');
    assert.equal(manager.get('cam-b')?.state, 'running');
    assert.deepEqual(manager.ids(), ['cam-b']);

    // A session that fails at runtime (its consumer throws) is reported and leaves cam-b alone.
    await manager.add(serverC.url, { ...opts, streamId: 'cam-c', handlers: { onFrame: () => { throw new VideoAgentError('E_TEST', 'consumer broke'); } } });
    await until(() => errors.includes('cam-c'), 15_000, 'cam-c to fail');
    const bAfterFail = counts.get('cam-b')!;
    await sleep(1000);
    assert.ok(counts.get('cam-b')! > bAfterFail, 'cam-b unaffected by cam-c failing');
    const c = manager.stats().find((s) => s.streamId === 'cam-c');
    assert.equal(c?.state, 'failed');
    assert.equal(c?.error, 'consumer broke');

    await manager.stopAll();
    assert.deepEqual(manager.ids(), []);
    assert.ok(ended.some((s) => s.streamId === 'cam-b'));
  });
});
