/**
 * Drill: many corrupted inputs (mutations of a real file: truncated, bytes flipped, zero-length, a text
 * file named .mp4, a WAV named .mp4) and bad launch strings / parameters, opened and run one after the
 * other in one process while a healthy live RTSP stream runs beside them. Each bad input ends as a clear
 * one-line VideoAgentError (or, when the damage is in data a decoder conceals, a normal end): no crash, no
 * hang, no error without a code, and the healthy stream keeps its frame rate.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoAgentError } from '../../src/errors';
import { openSource, type Session } from '../../src/ingest';
import { generateClip } from '../../src/media';
import { startRtspServer, type RtspServer } from '../ingest/helpers/rtsp';
import { clipRtsp } from '../ingest/helpers/media';
import { reportDrill } from './report';

/** Mutated files per run: 300 in CI (about a minute); `bench/faults` runs 1,000 (VIDEO_AGENT_DRILL_INPUTS). */
const N = Number(process.env.VIDEO_AGENT_DRILL_INPUTS ?? 300);

interface Outcome { kind: 'error' | 'ended'; code?: string; message?: string; ms: number }

/** Deterministic mutations: a seeded generator so a failure reproduces. */
function* mutations(src: Buffer, dir: string, n: number): Generator<{ file: string; what: string }> {
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const put = (name: string, data: Buffer | string) => { const f = path.join(dir, name); fs.writeFileSync(f, data); return f; };
  yield { file: put('empty.mp4', Buffer.alloc(0)), what: 'zero-length' };
  yield { file: put('notes.mp4', 'this is a text file, not a video\n'.repeat(50)), what: 'text named .mp4' };
  yield { file: put('riff.mp4', Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), crypto.randomBytes(2000)])), what: 'WAV header named .mp4' };
  yield { file: put('random.mp4', crypto.randomBytes(50_000)), what: 'random bytes' };
  for (let i = 0; i < n - 4; i++) {
    const m = i % 3;
    if (m === 0) {
      yield { file: put(`trunc-${i}.mp4`, src.subarray(0, Math.floor(rnd() * src.length))), what: 'truncated' };
    } else if (m === 1) {
      const b = Buffer.from(src);
      for (let k = 0; k < 1 + Math.floor(rnd() * 64); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      yield { file: put(`flip-${i}.mp4`, b), what: 'bytes flipped' };
    } else {
      // A run of zeros over a random span (a torn write).
      const b = Buffer.from(src);
      const at = Math.floor(rnd() * b.length);
      b.fill(0, at, Math.min(b.length, at + 1 + Math.floor(rnd() * 4096)));
      yield { file: put(`torn-${i}.mp4`, b), what: 'zeroed span' };
    }
  }
}

async function openAndRun(input: string, opts: Parameters<typeof openSource>[1] = {}): Promise<Outcome> {
  const t0 = Date.now();
  let session: Session | null = null;
  try {
    session = await openSource(input, { discoverTimeoutMs: 2000, params: { width: 160, height: 120, fps: 5 }, ...opts });
    await session.run({ onFrame: () => undefined, onAudio: () => undefined });
    return { kind: 'ended', ms: Date.now() - t0 };
  } catch (err) {
    assert.ok(err instanceof VideoAgentError, `not a VideoAgentError for ${input}: ${(err as Error)?.stack ?? err}`);
    return { kind: 'error', code: err.code, message: err.message, ms: Date.now() - t0 };
  } finally {
    await session?.stop().catch(() => undefined);
  }
}

describe('drill: corrupted inputs and bad pipelines beside a healthy live stream', function () {
  this.timeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-drill-corrupt-'));
  let server: RtspServer;
  after(async () => {
    await server?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${N} mutated files and 12 bad pipelines: each a one-line coded error or a normal end; the live stream keeps its rate`, async () => {
    const src = fs.readFileSync(await generateClip({ durationS: 2, width: 160, height: 120, fps: 10, audio: 'tone' }));
    server = await startRtspServer({ file: await clipRtsp() });
    const healthy = await openSource(server.url, { streamId: 'healthy', params: { fps: 10, width: 160, height: 120 } });
    let frames = 0;
    let firstAt = 0;
    const running = healthy.run({ onFrame: () => { if (!frames++) firstAt = Date.now(); }, onAudio: () => undefined });
    while (!frames) await new Promise((r) => setTimeout(r, 50));

    const outcomes: (Outcome & { what: string })[] = [];
    for (const m of mutations(src, dir, N)) {
      outcomes.push({ ...(await openAndRun(m.file)), what: m.what });
      if (process.env.VIDEO_AGENT_DRILL_TRACE && outcomes.length % 50 === 0) console.log(`      ${outcomes.length} inputs, last ${outcomes.at(-1)!.ms} ms, healthy frames ${frames}`);
    }
    const bad: [string, Record<string, unknown>][] = [
      ['not-a-template', {}], ['file', { fps: -1 }], ['file', { fps: 'ten' }], ['file', { width: 0 }], ['file', { quality: 101 }],
      ['file', { nonsense: 1 }], ['../../etc/passwd', {}], ['rtsp', { latency: -5 }],
    ];
    const clip = await generateClip({ durationS: 2, width: 160, height: 120, fps: 10, audio: 'tone' });
    for (const [pipeline, params] of bad) outcomes.push({ ...(await openAndRun(clip, { pipeline, params: { ...params } })), what: `pipeline ${pipeline} ${JSON.stringify(params)}` });
    for (const launch of ['filesrc location={uri} ! nosuchelement ! appsink name=frames', 'videotestsrc ! ! appsink name=frames', 'videotestsrc num-buffers=5 ! jpegenc ! fakesink', 'videotestsrc nosuchproperty=3 ! appsink name=frames']) {
      const f = path.join(dir, `bad-${outcomes.length}.yaml`);
      fs.writeFileSync(f, `name: bad\nkind: file\nparams: {}\nlaunch: "${launch}"\n`);
      outcomes.push({ ...(await openAndRun(clip, { pipeline: f })), what: `launch ${launch}` });
    }

    const elapsedS = (Date.now() - firstAt) / 1000;
    const rate = frames / elapsedS;
    await healthy.stop();
    await running.catch(() => undefined);

    const errors = outcomes.filter((o) => o.kind === 'error');
    for (const e of errors) {
      assert.ok(e.code && /^E_[A-Z_]+$/.test(e.code), `${e.what}: code ${e.code}`);
      assert.ok(e.message && !e.message.includes('\n'), `${e.what}: one line, got ${JSON.stringify(e.message)}`);
    }
    // The structurally broken ones must fail; only concealable damage may end normally.
    for (const o of outcomes.filter((x) => /zero-length|text named|WAV header|random bytes|pipeline|launch/.test(x.what))) {
      assert.equal(o.kind, 'error', `${o.what} must fail`);
    }
    assert.ok(outcomes.every((o) => o.ms < 20_000), `slowest input took ${Math.max(...outcomes.map((o) => o.ms))} ms`);
    const codes = new Map<string, number>();
    for (const e of errors) codes.set(e.code as string, (codes.get(e.code as string) ?? 0) + 1);
    reportDrill({
      fault: `${outcomes.length} corrupted inputs / bad pipelines`, durationS: Math.round(elapsedS), framesIn: frames, rowsExpected: 0, rowsStored: 0, lost: 0, duplicated: 0,
      recoveryMs: null, note: `${errors.length} coded errors, ${outcomes.length - errors.length} ended normally, healthy stream ${rate.toFixed(1)}/10 fps`,
    });
    console.log(`      ${outcomes.length} inputs: ${errors.length} errors (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}), ${outcomes.length - errors.length} ended normally; healthy stream ${rate.toFixed(1)} fps of 10 over ${elapsedS.toFixed(0)} s`);
    assert.ok(rate >= 9, `the healthy stream kept ${rate.toFixed(2)} fps (of 10)`);
  });
});
