import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunpodEmulator, type EmulatorConfigInput } from '../../src/runpod/emulator';
import { validateOutput } from '../../src/runpod/contracts';
import { TINY_B64, withEmulator } from './helpers';

/**
 * Every public route of RunPod's serverless API as served by the emulator, through plain `fetch` (not our
 * RunpodClient), against the shapes of the RunPod contract. Stub backends with small timings.
 */

type Json = Record<string, any>;

interface Reply {
  status: number;
  headers: Headers;
  json: Json;
  ms: number;
}

/** Sends the emulator's key unless `headers` set `authorization` (a string, or undefined for none). */
async function call(em: RunpodEmulator, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string | undefined> = {}): Promise<Reply> {
  const t0 = Date.now();
  const all = { 'content-type': 'application/json', authorization: em.apiKey && `Bearer ${em.apiKey}`, ...headers };
  const res = await fetch(`${em.apiBase}${path}`, {
    method,
    headers: Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)),
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Json) : {}, ms: Date.now() - t0 };
}

const yolo = (extra: Record<string, unknown> = {}): EmulatorConfigInput['endpoints'] => ({ yolo: { backend: 'stub', ...extra } });
const job = (i = 0) => ({ input: { images: [`${TINY_B64}${i}`] } });

async function submit(em: RunpodEmulator, i = 0): Promise<string> {
  const r = await call(em, 'POST', '/yolo/run', job(i));
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.id as string;
}

async function until(em: RunpodEmulator, id: string, status: string, timeoutMs = 2000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await call(em, 'GET', `/yolo/status/${id}`);
    if (r.json.status === status) return r.json;
    if (Date.now() > deadline) assert.fail(`job ${id} is ${JSON.stringify(r.json)}, expected ${status}`);
    await sleep(5);
  }
}

function assertFinalShape(j: Json): void {
  assert.equal(typeof j.id, 'string');
  assert.equal(typeof j.delayTime, 'number');
  assert.equal(typeof j.executionTime, 'number');
  assert.equal(typeof j.workerId, 'string');
}

function assertErrorShape(r: Reply, status: number, pattern: RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(typeof r.json.error, 'string', JSON.stringify(r.json));
  assert.match(r.json.error, pattern);
}

describe('runpod emulator routes (plain HTTP)', () => {
  describe('POST /run', () => {
    it('answers {id, status: IN_QUEUE}, and the job completes with a contract-valid output', () =>
      withEmulator({ endpoints: yolo({ stub: { baseMs: 10 } }) }, async (em) => {
        const r = await call(em, 'POST', '/yolo/run', job());
        assert.equal(r.status, 200);
        assert.deepEqual(Object.keys(r.json).sort(), ['id', 'status']);
        assert.match(r.json.id, /^[0-9a-f-]{36}-u1$/);
        assert.equal(r.json.status, 'IN_QUEUE');
        const done = await until(em, r.json.id, 'COMPLETED');
        assertFinalShape(done);
        assert.ok(validateOutput('yolo', done.output).ok);
      }));

    it('400 names the problem: malformed JSON, empty body, no "input", "input" not an object, bad policy', () =>
      withEmulator({ endpoints: yolo() }, async (em) => {
        assertErrorShape(await call(em, 'POST', '/yolo/run', '{"input": {'), 400, /not valid JSON/);
        assertErrorShape(await call(em, 'POST', '/yolo/run', ''), 400, /empty/);
        assertErrorShape(await call(em, 'POST', '/yolo/run', { inputs: {} }), 400, /no "input"/);
        assertErrorShape(await call(em, 'POST', '/yolo/run', { input: null }), 400, /"input" must be a JSON object, got null/);
        assertErrorShape(await call(em, 'POST', '/yolo/run', { input: [1] }), 400, /"input" must be a JSON object, got an array/);
        assertErrorShape(await call(em, 'POST', '/yolo/run', [1, 2]), 400, /must be a JSON object/);
        assertErrorShape(await call(em, 'POST', '/yolo/run', { ...job(), policy: { ttl: -5 } }), 400, /policy\.ttl/);
        assert.equal((await call(em, 'GET', '/yolo/health')).json.jobs.inQueue, 0, 'no job was created');
      }));

    it('413 over the /run cap, while the larger /runsync cap still accepts the same body', () =>
      withEmulator({ payloadCaps: { runBytes: 1000, runsyncBytes: 5000 }, endpoints: yolo() }, async (em) => {
        const big = { input: { images: ['A'.repeat(2000)] } };
        assertErrorShape(await call(em, 'POST', '/yolo/run', big), 413, /exceeds the 1000-byte limit/);
        assert.equal((await call(em, 'GET', '/yolo/health')).json.jobs.inQueue, 0);
        const sync = await call(em, 'POST', '/yolo/runsync', big);
        assert.equal(sync.status, 200);
        assert.equal(sync.json.status, 'COMPLETED');
      }));
  });

  describe('POST /runsync', () => {
    it('returns the final job with delayTime, executionTime, workerId and output', () =>
      withEmulator({ endpoints: yolo({ stub: { baseMs: 20 } }) }, async (em) => {
        const r = await call(em, 'POST', '/yolo/runsync', job());
        assert.equal(r.status, 200);
        assert.match(r.json.id, /^sync-[0-9a-f-]{36}-u1$/);
        assert.equal(r.json.status, 'COMPLETED');
        assertFinalShape(r.json);
        assert.ok(r.json.executionTime >= 15, `executionTime ${r.json.executionTime}`);
        assert.ok(validateOutput('yolo', r.json.output).ok);
      }));

    it('not final within ?wait=: IN_PROGRESS (or IN_QUEUE) without output; the job goes on and /status finds it', () =>
      withEmulator({ runsyncWait: { minMs: 20 }, endpoints: yolo({ maxWorkers: 1, stub: { baseMs: 300 } }) }, async (em) => {
        const running = await call(em, 'POST', '/yolo/runsync?wait=30', job(0));
        assert.equal(running.status, 200);
        assert.deepEqual(Object.keys(running.json).sort(), ['id', 'status']);
        assert.equal(running.json.status, 'IN_PROGRESS');
        // The only worker is busy: the second job is still queued when its wait ends.
        const queued = await call(em, 'POST', '/yolo/runsync?wait=30', job(1));
        assert.deepEqual(Object.keys(queued.json).sort(), ['id', 'status']);
        assert.equal(queued.json.status, 'IN_QUEUE');
        const done = await until(em, running.json.id, 'COMPLETED');
        assert.ok(validateOutput('yolo', done.output).ok);
      }));

    it('?wait= is clamped to its bounds (configured here as 100–250 ms for RunPod\'s 1000–300000)', () =>
      withEmulator({ runsyncWait: { minMs: 100, maxMs: 250 }, endpoints: yolo({ stub: { baseMs: 2000 } }) }, async (em) => {
        const below = await call(em, 'POST', '/yolo/runsync?wait=1', job(0));
        assert.equal(below.json.status, 'IN_PROGRESS');
        assert.ok(below.ms >= 90, `wait=1 returned after ${below.ms} ms: not raised to the minimum`);
        const above = await call(em, 'POST', '/yolo/runsync?wait=300000', job(1));
        assert.equal(above.json.status, 'IN_PROGRESS');
        assert.ok(above.ms >= 240 && above.ms < 1500, `wait=300000 returned after ${above.ms} ms: not capped at the maximum`);
        const nonsense = await call(em, 'POST', '/yolo/runsync?wait=soon', job(2));
        assert.equal(nonsense.status, 200, 'a non-numeric wait falls back to the default (90 s), within the bounds');
        assert.equal(nonsense.json.status, 'IN_PROGRESS');
        assert.ok(nonsense.ms < 1500, `wait=soon returned after ${nonsense.ms} ms`);
      }));

    it('a FAILED job carries its error', () =>
      withEmulator({ endpoints: yolo({ faults: { failed: { count: 1, form: 'string' } } }) }, async (em) => {
        const r = await call(em, 'POST', '/yolo/runsync', job());
        assert.equal(r.json.status, 'FAILED');
        assert.equal(typeof r.json.error, 'string');
        assert.equal(r.json.output, undefined);
      }));
  });

  describe('GET /status/{id}', () => {
    it('IN_QUEUE, then IN_PROGRESS with delayTime and workerId, then COMPLETED with executionTime', () =>
      withEmulator({ endpoints: yolo({ maxWorkers: 1, stub: { baseMs: 120 } }) }, async (em) => {
        const a = await submit(em, 0);
        const b = await submit(em, 1);
        await sleep(30);
        const queued = await call(em, 'GET', `/yolo/status/${b}`);
        assert.deepEqual(queued.json, { id: b, status: 'IN_QUEUE' });
        const running = await call(em, 'GET', `/yolo/status/${a}`);
        assert.equal(running.json.status, 'IN_PROGRESS');
        assert.equal(typeof running.json.delayTime, 'number');
        assert.equal(typeof running.json.workerId, 'string');
        assert.equal(running.json.executionTime, undefined);
        assertFinalShape(await until(em, a, 'COMPLETED'));
      }));

    it('?ttl= is tolerated (a number resets the TTL, anything else is ignored); 404 once expired', () =>
      withEmulator({ endpoints: yolo() }, async (em) => {
        const id = await submit(em);
        await until(em, id, 'COMPLETED');
        assert.equal((await call(em, 'GET', `/yolo/status/${id}?ttl=abc`)).status, 200);
        const r = await call(em, 'GET', `/yolo/status/${id}?ttl=60`);
        assert.equal(r.status, 200);
        assert.equal(r.json.status, 'COMPLETED');
        await sleep(120);
        assertErrorShape(await call(em, 'GET', `/yolo/status/${id}`), 404, /not found/);
      }));

    it('404 for an unknown job id, and for a route missing its id', () =>
      withEmulator({ endpoints: yolo() }, async (em) => {
        assertErrorShape(await call(em, 'GET', '/yolo/status/no-such-job'), 404, /no-such-job not found/);
        assertErrorShape(await call(em, 'GET', '/yolo/status'), 404, /needs a job id/);
      }));
  });

  describe('GET /status-sync/{id}', () => {
    it('returns as soon as the job is final, long before ?wait= ends', () =>
      withEmulator({ endpoints: yolo({ stub: { baseMs: 80 } }) }, async (em) => {
        const id = await submit(em);
        const r = await call(em, 'GET', `/yolo/status-sync/${id}?wait=10000`);
        assert.equal(r.status, 200);
        assert.equal(r.json.status, 'COMPLETED');
        assertFinalShape(r.json);
        assert.ok(validateOutput('yolo', r.json.output).ok);
        assert.ok(r.ms >= 40, `returned after ${r.ms} ms, before the job could finish`);
        assert.ok(r.ms < 3000, `returned after ${r.ms} ms: it waited for the whole ?wait=`);
      }));

    it('answers the current status when the wait ends first, and immediately for a final job', () =>
      withEmulator({ runsyncWait: { minMs: 10 }, endpoints: yolo({ stub: { baseMs: 400 } }) }, async (em) => {
        const id = await submit(em);
        const early = await call(em, 'GET', `/yolo/status-sync/${id}?wait=60`);
        assert.equal(early.status, 200);
        assert.equal(early.json.id, id);
        assert.equal(early.json.status, 'IN_PROGRESS');
        assert.equal(early.json.output, undefined);
        assert.ok(early.ms >= 50, `returned after ${early.ms} ms, before its wait`);
        await until(em, id, 'COMPLETED');
        const done = await call(em, 'GET', `/yolo/status-sync/${id}?wait=10000`);
        assert.equal(done.json.status, 'COMPLETED');
        assert.ok(done.ms < 1000, `a final job took ${done.ms} ms`);
      }));

    it('404 for an unknown job; POST is 405', () =>
      withEmulator({ endpoints: yolo() }, async (em) => {
        assertErrorShape(await call(em, 'GET', '/yolo/status-sync/nope?wait=1000'), 404, /not found/);
        const id = await submit(em);
        assertErrorShape(await call(em, 'POST', `/yolo/status-sync/${id}`), 405, /expects GET/);
      }));
  });

  describe('GET /stream/{id}', () => {
    it('delivers a generator handler\'s yields in order, each once, as {status, stream: [{output}]}', () =>
      withEmulator({ endpoints: yolo({ stub: { baseMs: 200, chunks: 5 } }) }, async (em) => {
        const id = await submit(em);
        const seen: number[] = [];
        const statuses = new Set<string>();
        for (let i = 0; i < 400; i++) {
          const r = await call(em, 'GET', `/yolo/stream/${id}`);
          assert.equal(r.status, 200);
          assert.deepEqual(Object.keys(r.json).sort(), ['status', 'stream']);
          assert.ok(Array.isArray(r.json.stream));
          statuses.add(r.json.status);
          for (const c of r.json.stream) {
            assert.deepEqual(Object.keys(c), ['output']);
            assert.equal(c.output.of, 5);
            seen.push(c.output.chunk);
          }
          if (r.json.status === 'COMPLETED' && r.json.stream.length === 0) break;
          await sleep(10);
        }
        assert.deepEqual(seen, [0, 1, 2, 3, 4]);
        assert.ok(statuses.has('IN_PROGRESS'), 'chunks were readable while the job ran');
        // Without return_aggregate_stream the job's own output is an empty list, as in runpod-python.
        assert.deepEqual((await call(em, 'GET', `/yolo/status/${id}`)).json.output, []);
      }));

    it('with returnAggregateStream the job output is the list of yields', () =>
      withEmulator({ endpoints: yolo({ returnAggregateStream: true, stub: { baseMs: 20, chunks: 3 } }) }, async (em) => {
        const r = await call(em, 'POST', '/yolo/runsync', job());
        assert.equal(r.json.status, 'COMPLETED');
        assert.deepEqual(r.json.output.map((c: Json) => c.chunk), [0, 1, 2]);
      }));

    it('a plain handler\'s output is its single chunk; unknown job 404', () =>
      withEmulator({ endpoints: yolo() }, async (em) => {
        const id = await submit(em);
        await until(em, id, 'COMPLETED');
        const first = await call(em, 'GET', `/yolo/stream/${id}`);
        assert.equal(first.json.status, 'COMPLETED');
        assert.equal(first.json.stream.length, 1);
        assert.ok(validateOutput('yolo', first.json.stream[0].output).ok);
        assert.deepEqual((await call(em, 'GET', `/yolo/stream/${id}`)).json, { status: 'COMPLETED', stream: [] });
        assertErrorShape(await call(em, 'GET', '/yolo/stream/nope'), 404, /not found/);
      }));
  });

  describe('POST /cancel/{id}', () => {
    it('a queued job becomes CANCELLED and never runs', () =>
      withEmulator({ endpoints: yolo({ maxWorkers: 1, stub: { baseMs: 100 } }) }, async (em) => {
        const a = await submit(em, 0);
        const b = await submit(em, 1);
        await sleep(20);
        assert.equal((await call(em, 'GET', `/yolo/status/${b}`)).json.status, 'IN_QUEUE');
        const r = await call(em, 'POST', `/yolo/cancel/${b}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.json, { id: b, status: 'CANCELLED' });
        await until(em, a, 'COMPLETED');
        await sleep(150);
        const st = await call(em, 'GET', `/yolo/status/${b}`);
        assert.equal(st.json.status, 'CANCELLED');
        assert.equal(st.json.workerId, undefined, 'it never started');
        assert.equal((await call(em, 'GET', '/yolo/health')).json.jobs.completed, 1);
      }));

    it('a running job becomes CANCELLED; a final job keeps its status; unknown 404', () =>
      withEmulator({ endpoints: yolo({ stub: { baseMs: 300 } }) }, async (em) => {
        const id = await submit(em);
        await until(em, id, 'IN_PROGRESS');
        assert.deepEqual((await call(em, 'POST', `/yolo/cancel/${id}`)).json, { id, status: 'CANCELLED' });
        assert.deepEqual((await call(em, 'POST', `/yolo/cancel/${id}`)).json, { id, status: 'CANCELLED' });
        assertErrorShape(await call(em, 'POST', '/yolo/cancel/nope'), 404, /not found/);
      }));
  });

  describe('POST /retry/{id}', () => {
    it('re-queues a FAILED job under the same id, which then completes', () =>
      withEmulator({ endpoints: yolo({ faults: { failed: { count: 1 } } }) }, async (em) => {
        const id = await submit(em);
        await until(em, id, 'FAILED');
        const r = await call(em, 'POST', `/yolo/retry/${id}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.json, { id, status: 'IN_QUEUE' });
        const done = await until(em, id, 'COMPLETED');
        assert.equal(done.id, id);
        assert.equal(done.error, undefined, 'the old error is gone');
        assert.equal((await call(em, 'GET', '/yolo/health')).json.jobs.retried, 1);
      }));

    it('re-queues a TIMED_OUT job', () =>
      withEmulator({ endpoints: yolo({ faults: { timedOut: { count: 1 } } }) }, async (em) => {
        const r0 = await call(em, 'POST', '/yolo/run', { ...job(), policy: { executionTimeout: 30 } });
        await until(em, r0.json.id, 'TIMED_OUT');
        assert.deepEqual((await call(em, 'POST', `/yolo/retry/${r0.json.id}`)).json, { id: r0.json.id, status: 'IN_QUEUE' });
        await until(em, r0.json.id, 'COMPLETED');
      }));

    it('refuses COMPLETED and IN_PROGRESS jobs with 400 naming the state; unknown 404', () =>
      withEmulator({ endpoints: yolo({ stub: { baseMs: 200 } }) }, async (em) => {
        const running = await submit(em, 0);
        await until(em, running, 'IN_PROGRESS');
        assertErrorShape(await call(em, 'POST', `/yolo/retry/${running}`), 400, /IN_PROGRESS: only FAILED or TIMED_OUT/);
        await until(em, running, 'COMPLETED');
        assertErrorShape(await call(em, 'POST', `/yolo/retry/${running}`), 400, /COMPLETED: only FAILED or TIMED_OUT/);
        assertErrorShape(await call(em, 'POST', '/yolo/retry/nope'), 404, /not found/);
      }));
  });

  describe('POST /purge-queue', () => {
    it('removes queued jobs only: {removed, status: completed}; the running job finishes', () =>
      withEmulator({ endpoints: yolo({ maxWorkers: 1, stub: { baseMs: 150 } }) }, async (em) => {
        const ids = [await submit(em, 0), await submit(em, 1), await submit(em, 2)];
        await until(em, ids[0], 'IN_PROGRESS');
        const r = await call(em, 'POST', '/yolo/purge-queue');
        assert.equal(r.status, 200);
        assert.deepEqual(r.json, { removed: 2, status: 'completed' });
        assert.equal((await call(em, 'GET', `/yolo/status/${ids[1]}`)).status, 404);
        assert.equal((await call(em, 'GET', `/yolo/status/${ids[2]}`)).status, 404);
        await until(em, ids[0], 'COMPLETED');
        assert.deepEqual((await call(em, 'POST', '/yolo/purge-queue')).json, { removed: 0, status: 'completed' });
      }));

    it('is GET-less: GET is 405', () =>
      withEmulator({ endpoints: yolo() }, async (em) => {
        const r = await call(em, 'GET', '/yolo/purge-queue');
        assertErrorShape(r, 405, /expects POST/);
        assert.equal(r.headers.get('allow'), 'POST');
      }));
  });

  describe('GET /health', () => {
    it('jobs and workers counters follow the jobs', () =>
      withEmulator({ endpoints: yolo({ maxWorkers: 1, stub: { baseMs: 100 }, faults: { failed: { count: 1 } } }) }, async (em) => {
        const empty = await call(em, 'GET', '/yolo/health');
        assert.equal(empty.status, 200);
        for (const k of ['completed', 'failed', 'inProgress', 'inQueue', 'retried']) assert.equal(empty.json.jobs[k], 0, k);
        for (const k of ['idle', 'running']) assert.equal(typeof empty.json.workers[k], 'number', k);
        const failed = await submit(em, 0);
        await until(em, failed, 'FAILED');
        const a = await submit(em, 1);
        await submit(em, 2);
        await until(em, a, 'IN_PROGRESS');
        const busy = (await call(em, 'GET', '/yolo/health')).json;
        assert.deepEqual([busy.jobs.failed, busy.jobs.inProgress, busy.jobs.inQueue], [1, 1, 1]);
        assert.equal(busy.workers.running, 1);
        await sleep(300);
        const after = (await call(em, 'GET', '/yolo/health')).json;
        assert.deepEqual([after.jobs.completed, after.jobs.inProgress, after.jobs.inQueue], [2, 0, 0]);
        assert.equal(after.workers.idle, 1);
      }));
  });

  describe('auth and errors common to all routes', () => {
    it('accepts "Bearer <key>", "bearer <key>" and the bare key; 401 otherwise with an error body', () =>
      withEmulator({ apiKey: 'k-123', endpoints: yolo() }, async (em) => {
        assertErrorShape(await call(em, 'GET', '/yolo/health', undefined, { authorization: undefined }), 401, /API key/);
        assertErrorShape(await call(em, 'POST', '/yolo/run', job(), { authorization: 'Bearer wrong' }), 401, /API key/);
        for (const authorization of ['Bearer k-123', 'bearer k-123', 'k-123']) {
          assert.equal((await call(em, 'GET', '/yolo/health', undefined, { authorization })).status, 200, authorization);
        }
        const r = await call(em, 'POST', '/yolo/runsync', job(), { authorization: 'k-123' });
        assert.equal(r.json.status, 'COMPLETED');
      }));

    it('404 for an unknown endpoint or path', () =>
      withEmulator({ endpoints: yolo() }, async (em) => {
        assertErrorShape(await call(em, 'GET', '/nope/health'), 404, /endpoint nope not found/);
        assertErrorShape(await call(em, 'POST', '/yolo/frobnicate'), 404, /no route/);
      }));

    it('429 with Retry-After once an op is over its rate limit, other ops unaffected', () =>
      withEmulator({ endpoints: yolo({ rateLimits: { windowMs: 5000, 'status-sync': 1 } }) }, async (em) => {
        const id = await submit(em);
        await until(em, id, 'COMPLETED');
        assert.equal((await call(em, 'GET', `/yolo/status-sync/${id}`)).status, 200);
        const limited = await call(em, 'GET', `/yolo/status-sync/${id}`);
        assertErrorShape(limited, 429, /rate limit/);
        assert.ok(Number(limited.headers.get('retry-after')) >= 1);
        assert.equal((await call(em, 'GET', `/yolo/status/${id}`)).status, 200);
      }));
  });
});
