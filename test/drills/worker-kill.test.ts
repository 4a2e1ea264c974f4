import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { RedisBus, streamKey } from '../../src/bus';
import { openStore, type Store } from '../../src/store';
import { CODECS } from '../../src/topics';
import { audioChunks, frame, solidJpeg } from '../stages/fakes';
import { startEmulator } from '../../bench/common/emulator-process';
import { requirePostgres } from '../helpers/services';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis';
import { reportDrill } from './report';

/**
 * Drill: two `video-agent worker --stage detection` processes (the built CLI) on a private Redis, stub yolo
 * endpoints in a `video-agent emulate` process, results in a schema of the shared test database. Frames are
 * published; the worker holding the stream is SIGKILLed while it has entries pending. The other one takes
 * the lease after its TTL, restores the tracker state, claims the pending entries and finishes: every frame's
 * detection is in the database exactly once and the track id continues.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'video-agent.js');
const SCHEMA = 'drill_worker_kill';
const STREAM = 'drill-kill';
const FRAMES = 48;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('drill: a detection worker process SIGKILLed mid-batch', function () {
  this.timeout(60_000);
  let redis: PrivateRedis | undefined;
  let store: Store | undefined;
  let raw: Redis | undefined;
  let bus: RedisBus | undefined;
  let emu: { stop(): void } | undefined;
  const procs = new Map<string, { child: ChildProcess; log: string[] }>();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-kill-'));
  after(async () => {
    for (const p of procs.values()) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    emu?.stop();
    await bus?.close().catch(() => undefined);
    raw?.disconnect();
    await store?.close().catch(() => undefined);
    await redis?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('the other worker takes over: every frame detected exactly once, the track id continues', async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'bus', 'shared-reader.js'))) throw new Error('the built CLI is missing or older than src/bus: run `npm run build:ts`');
    const dbUrl = await requirePostgres();
    const admin = await openStore({ databaseUrl: dbUrl, migrate: false });
    await admin.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await admin.close();
    store = await openStore({ databaseUrl: dbUrl, schema: SCHEMA });
    await store.migrateDone;
    redis = await startPrivateRedis();
    raw = new Redis(redis.url);
    bus = new RedisBus(redis.url);

    // Each yolo call takes 400 ms, so a read of 16 frames (two calls of 8) stays pending for ~0.8 s.
    const emuConfig = path.join(work, 'stubs.yaml');
    fs.writeFileSync(emuConfig, 'endpoints:\n  yolo:\n    backend: stub\n    model: yolo\n    stub:\n      baseMs: 400\n      perItemMs: 0\n');
    const e = await startEmulator(emuConfig);
    emu = e;
    const sep = dbUrl.includes('?') ? '&' : '?';
    const env = {
      ...process.env, LOG_LEVEL: 'warn', REDIS_URL: redis.url,
      DATABASE_URL: `${dbUrl}${sep}options=${encodeURIComponent(`-c search_path=${SCHEMA}`)}`,
      RUNPOD_API_KEY: e.apiKey, RUNPOD_API_BASE: e.apiBase, RUNPOD_YOLO_ENDPOINT_ID: 'yolo',
    };
    const startWorker = (name: string) => {
      const child = spawn(process.execPath, [CLI, 'worker', '--stage', 'detection', '--consumer', name], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      const log: string[] = [];
      child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
      procs.set(name, { child, log });
    };
    startWorker('w1');
    startWorker('w2');
    const logs = () => [...procs].map(([n, p]) => `${n}: ${p.log.join('').slice(-2000)}`).join('\n');
    const waitFor = async (cond: () => Promise<boolean>, ms: number, what: string) => {
      const end = Date.now() + ms;
      while (!(await cond())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs()}`);
        await sleep(20);
      }
    };
    await waitFor(async () => [...procs.values()].every((p) => p.log.join('').includes('waiting for streams')), 30_000, 'both workers up');

    const jpeg = solidJpeg(64, 36, [120, 80, 40]);
    for (let i = 0; i < FRAMES; i++) await bus.publish(streamKey('frames', STREAM), CODECS.frames.encode(frame(STREAM, i * 100_000, jpeg)));
    const frameKey = streamKey('frames', STREAM);
    const detKey = streamKey('detections', STREAM);
    // The holder has finished at least one read (results published) and holds the next one pending.
    let holder = '';
    await waitFor(async () => {
      if ((await raw!.xlen(detKey)) < 8) return false;
      const p = (await raw!.xpending(frameKey, 'detection')) as [number, string, string, [string, string][] | null];
      const c = (p[3] ?? []).find(([, n]) => Number(n) > 0);
      if (c) holder = c[0];
      return !!c;
    }, 30_000, 'a worker with processed frames and a pending batch');
    const done = await raw.xlen(detKey);
    procs.get(holder)!.child.kill('SIGKILL');
    const killedAt = Date.now();
    const heir = holder === 'w1' ? 'w2' : 'w1';

    const count = async () => Number((await store!.pool.query(`SELECT count(DISTINCT pts_us) AS n FROM detections WHERE stream_id = $1`, [STREAM])).rows[0].n);
    await waitFor(async () => (await count()) >= FRAMES, 40_000, 'every frame detected after the take-over');
    const recoveryMs = Date.now() - killedAt;
    await waitFor(async () => Number(((await raw!.xpending(frameKey, 'detection')) as [number])[0]) === 0, 10_000, 'nothing pending');

    const r = (await store.pool.query(`SELECT count(*) AS n, count(DISTINCT pts_us) AS pts, count(DISTINCT track_id) AS tracks, min(track_id) AS track FROM detections WHERE stream_id = $1`, [STREAM])).rows[0];
    reportDrill({ fault: 'worker-sigkill', durationS: recoveryMs / 1000, framesIn: FRAMES, rowsExpected: FRAMES, rowsStored: Number(r.pts), lost: FRAMES - Number(r.pts), duplicated: Number(r.n) - Number(r.pts), recoveryMs, note: `killed ${holder} after ${done} results; ${heir} finished` });
    assert.equal(Number(r.pts), FRAMES, 'every frame has its detection');
    assert.equal(Number(r.n), FRAMES, 'exactly once (the stub finds one box per frame)');
    assert.equal(Number(r.tracks), 1, 'the track id continues across the take-over (tracker state handed over)');
    const skips = Number((await store.pool.query(`SELECT count(*) AS n FROM skips WHERE stream_id = $1`, [STREAM])).rows[0].n);
    assert.equal(skips, 0, 'no frame skipped');
    const pend = (await raw.xpending(frameKey, 'detection')) as [number];
    assert.equal(Number(pend[0]), 0);
    assert.equal(procs.get(heir)!.child.exitCode, null, 'the heir is still running');
  });
});

/**
 * Drill: two `video-agent worker --stage audio` processes on a private Redis, a stub whisper endpoint (600 ms per
 * window) in a `video-agent emulate` process. A reference stream runs through uninterrupted; then a second stream
 * with the same 17 s of audio, whose holder is SIGKILLed while a window is being transcribed (entries pending). The
 * other worker takes the lease after its TTL, restores the windower state and claims the pending entries; the end
 * marker closes the lane (the last, partial window flushed). The transcript windows stored are exactly the
 * reference's: none lost, none twice.
 */
describe('drill: an audio worker process SIGKILLed mid-stream', function () {
  this.timeout(120_000);
  const SCHEMA_A = 'drill_worker_kill_audio';
  const SECONDS = 17;
  let redis: PrivateRedis | undefined;
  let store: Store | undefined;
  let raw: Redis | undefined;
  let bus: RedisBus | undefined;
  let emu: { stop(): void } | undefined;
  const procs = new Map<string, { child: ChildProcess; log: string[] }>();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-kill-audio-'));
  after(async () => {
    for (const p of procs.values()) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    emu?.stop();
    await bus?.close().catch(() => undefined);
    raw?.disconnect();
    await store?.close().catch(() => undefined);
    await redis?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('the other worker takes over: the same transcript windows as an uninterrupted run, none lost, none twice', async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'bus', 'shared-reader.js'))) throw new Error('the built CLI is missing or older than src/bus: run `npm run build:ts`');
    const dbUrl = await requirePostgres();
    const admin = await openStore({ databaseUrl: dbUrl, migrate: false });
    await admin.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA_A} CASCADE`);
    await admin.close();
    store = await openStore({ databaseUrl: dbUrl, schema: SCHEMA_A });
    await store.migrateDone;
    redis = await startPrivateRedis();
    raw = new Redis(redis.url);
    bus = new RedisBus(redis.url);

    const emuConfig = path.join(work, 'stubs.yaml');
    fs.writeFileSync(emuConfig, 'endpoints:\n  whisper:\n    backend: stub\n    model: whisper\n    stub:\n      baseMs: 600\n      perItemMs: 0\n');
    const e = await startEmulator(emuConfig);
    emu = e;
    const sep = dbUrl.includes('?') ? '&' : '?';
    const env = {
      ...process.env, LOG_LEVEL: 'warn', REDIS_URL: redis.url,
      DATABASE_URL: `${dbUrl}${sep}options=${encodeURIComponent(`-c search_path=${SCHEMA_A}`)}`,
      RUNPOD_API_KEY: e.apiKey, RUNPOD_API_BASE: e.apiBase, RUNPOD_WHISPER_ENDPOINT_ID: 'whisper',
    };
    const startWorker = (name: string) => {
      const child = spawn(process.execPath, [CLI, 'worker', '--stage', 'audio', '--consumer', name], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      const log: string[] = [];
      child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
      procs.set(name, { child, log });
    };
    startWorker('a1');
    startWorker('a2');
    const logs = () => [...procs].map(([n, p]) => `${n}: ${p.log.join('').slice(-2000)}`).join('\n');
    const waitFor = async (cond: () => Promise<boolean>, ms: number, what: string) => {
      const end = Date.now() + ms;
      while (!(await cond())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs()}`);
        await sleep(20);
      }
    };
    await waitFor(async () => [...procs.values()].every((p) => p.log.join('').includes('waiting for streams')), 30_000, 'both workers up');

    const publish = async (id: string) => {
      for (const c of audioChunks(id, SECONDS, () => true)) await bus!.publish(streamKey('audio', id), CODECS.audio.encode(c));
    };
    const finished = async (id: string) => (await bus!.streamEnd(id))?.done.includes('audio') ?? false;
    const segments = async (id: string) => (await store!.pool.query(
      'SELECT start_us, end_us, text FROM audio_segments WHERE stream_id = $1 ORDER BY start_us, end_us', [id])).rows.map((r) => `${r.start_us}-${r.end_us}:${r.text}`);

    // Reference: the same audio, no fault; the end marker closes the lane.
    const REF = 'drill-audio-ref';
    await publish(REF);
    await bus.endStream(REF, { remote: ['audio'] });
    await waitFor(() => finished(REF), 30_000, 'the reference stream finished by its worker');
    await store.flush();
    const expected = await segments(REF);
    assert.ok(expected.length >= 3, `${expected.length} reference windows`);

    // The fault: the holder dies with a window in flight.
    const KILL = 'drill-audio-kill';
    const audioKey = streamKey('audio', KILL);
    const trKey = streamKey('transcripts', KILL);
    await publish(KILL);
    let holder = '';
    await waitFor(async () => {
      if ((await raw!.xlen(trKey)) < 1) return false;
      const p = (await raw!.xpending(audioKey, 'audio')) as [number, string, string, [string, string][] | null];
      const c = (p[3] ?? []).find(([, n]) => Number(n) > 0);
      if (c) holder = c[0];
      return !!c;
    }, 30_000, 'a worker with a transcript published and entries pending');
    const before = await raw.xlen(trKey);
    procs.get(holder)!.child.kill('SIGKILL');
    const killedAt = Date.now();
    const heir = holder === 'a1' ? 'a2' : 'a1';
    await bus.endStream(KILL, { remote: ['audio'] });
    await waitFor(() => finished(KILL), 60_000, 'the heir finished the stream');
    const recoveryMs = Date.now() - killedAt;
    await store.flush();
    const got = await segments(KILL);
    const all = Number((await store.pool.query('SELECT count(*) AS n FROM audio_segments WHERE stream_id = $1', [KILL])).rows[0].n);
    const messages = await raw.xlen(trKey);
    const refMessages = await raw.xlen(streamKey('transcripts', REF));
    reportDrill({
      fault: 'audio-worker-sigkill', durationS: recoveryMs / 1000, framesIn: SECONDS * 10, rowsExpected: expected.length, rowsStored: got.length,
      lost: expected.filter((s) => !got.includes(s)).length, duplicated: all - got.length, recoveryMs,
      note: `killed ${holder} after ${before} transcript messages; ${heir} finished; ${messages} transcript messages (reference ${refMessages})`,
    });
    assert.deepEqual(got, expected, 'the same windows, times and texts as the uninterrupted run');
    assert.equal(all, expected.length, 'each window stored once');
    assert.equal(messages, refMessages, 'each window published once on the transcripts topic');
    assert.equal(Number(((await raw.xpending(audioKey, 'audio')) as [number])[0]), 0, 'nothing pending');
    assert.equal(procs.get(heir)!.child.exitCode, null, 'the heir is still running');
  });
});
