import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { VideoAgentError } from '../../src/errors';
import { RunpodEmulator, type EmulatorConfigInput } from '../../src/runpod/emulator';
import { MODEL_NAMES, validateOutput } from '../../src/runpod/contracts';
import { StubModel } from '../../src/runpod/emulator/stub-model';
import { TINY_B64, withEmulator } from './helpers';

/** Sends the emulator's key unless `headers` set `authorization` (a string, or undefined for none). */
async function http(em: RunpodEmulator, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string | undefined> = {}) {
  const all = Object.fromEntries(Object.entries({ authorization: em.apiKey && `Bearer ${em.apiKey}`, ...headers }).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await request(`${em.apiBase}${path}`, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), headers: all });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

const stub = (extra: Record<string, unknown> = {}) => ({ yolo: { backend: 'stub' as const, ...extra } });

describe('runpod emulator: the HTTP contract', () => {
  it('run → IN_QUEUE → COMPLETED with delayTime/executionTime/workerId; health counters', () =>
    withEmulator({ endpoints: stub({ stub: { baseMs: 60 } }) }, async (em) => {
      const sub = await http(em, 'POST', '/yolo/run', { input: { images: [TINY_B64] } });
      assert.equal(sub.status, 200);
      assert.match(sub.json.id, /-u1$/);
      assert.equal(sub.json.status, 'IN_QUEUE');
      await sleep(150);
      const st = await http(em, 'GET', `/yolo/status/${sub.json.id}`);
      assert.equal(st.json.status, 'COMPLETED');
      assert.ok(st.json.executionTime >= 55, `executionTime ${st.json.executionTime}`);
      assert.equal(typeof st.json.delayTime, 'number');
      assert.match(st.json.workerId, /^yolo-w/);
      assert.ok(validateOutput('yolo', st.json.output).ok);
      const h = await http(em, 'GET', '/yolo/health');
      assert.equal(h.json.jobs.completed, 1);
      assert.equal(h.json.jobs.inQueue, 0);
      assert.equal(h.json.workers.idle, 1);
    }));

  it('runsync returns the final job, or only id+status when not final within ?wait=', () =>
    withEmulator({ runsyncWait: { minMs: 10 }, endpoints: stub({ stub: { baseMs: 200 } }) }, async (em) => {
      const quick = await http(em, 'POST', '/yolo/runsync?wait=20', { input: { images: [TINY_B64] } });
      assert.match(quick.json.id, /^sync-/);
      assert.equal(quick.json.status, 'IN_PROGRESS');
      assert.equal(quick.json.output, undefined);
      const full = await http(em, 'POST', '/yolo/runsync?wait=5000', { input: { images: [TINY_B64] } });
      assert.equal(full.json.status, 'COMPLETED');
      assert.ok(full.json.output);
    }));

  it('bearer auth: the bare key is accepted too; a wrong or missing key is 401', () =>
    withEmulator({ apiKey: 'k-123', endpoints: stub() }, async (em) => {
      assert.equal((await http(em, 'GET', '/yolo/health', undefined, { authorization: undefined })).status, 401);
      assert.equal((await http(em, 'GET', '/yolo/health', undefined, { authorization: 'Bearer nope' })).status, 401);
      assert.equal((await http(em, 'GET', '/yolo/health', undefined, { authorization: 'Bearer k-123' })).status, 200);
      assert.equal((await http(em, 'GET', '/yolo/health', undefined, { authorization: 'k-123' })).status, 200);
    }));

  it('unknown endpoint and unknown job are 404', () =>
    withEmulator({ endpoints: stub() }, async (em) => {
      assert.equal((await http(em, 'GET', '/nope/health')).status, 404);
      assert.equal((await http(em, 'GET', '/yolo/status/does-not-exist')).status, 404);
    }));

  it('TTL expiry deletes a job even mid-run, and results expire after their retention', () =>
    withEmulator({ retention: { runMs: 80 }, endpoints: stub({ stub: { baseMs: 500 } }) }, async (em) => {
      const a = await http(em, 'POST', '/yolo/run', { input: { images: [TINY_B64] }, policy: { ttl: 100 } });
      await sleep(30);
      assert.equal((await http(em, 'GET', `/yolo/status/${a.json.id}`)).json.status, 'IN_PROGRESS');
      await sleep(120);
      assert.equal((await http(em, 'GET', `/yolo/status/${a.json.id}`)).status, 404);
      em.endpoint('yolo').config.stub.baseMs = 0;
    }));

  it('result retention: a finished /run result is gone after runMs', () =>
    withEmulator({ retention: { runMs: 60 }, endpoints: stub() }, async (em) => {
      const a = await http(em, 'POST', '/yolo/run', { input: { images: [TINY_B64] } });
      await sleep(20);
      assert.equal((await http(em, 'GET', `/yolo/status/${a.json.id}`)).json.status, 'COMPLETED');
      await sleep(100);
      assert.equal((await http(em, 'GET', `/yolo/status/${a.json.id}`)).status, 404);
    }));

  it('executionTimeout → TIMED_OUT; /retry re-queues the same id; /retry of a COMPLETED job is 400', () =>
    withEmulator({ endpoints: stub({ faults: { timedOut: { count: 1 } } }) }, async (em) => {
      const a = await http(em, 'POST', '/yolo/run', { input: { images: [TINY_B64] }, policy: { executionTimeout: 40 } });
      await sleep(100);
      const st = await http(em, 'GET', `/yolo/status/${a.json.id}`);
      assert.equal(st.json.status, 'TIMED_OUT');
      const rt = await http(em, 'POST', `/yolo/retry/${a.json.id}`);
      assert.deepEqual(rt.json, { id: a.json.id, status: 'IN_QUEUE' });
      await sleep(50);
      assert.equal((await http(em, 'GET', `/yolo/status/${a.json.id}`)).json.status, 'COMPLETED');
      assert.equal((await http(em, 'POST', `/yolo/retry/${a.json.id}`)).status, 400);
      assert.equal((await http(em, 'GET', '/yolo/health')).json.jobs.retried, 1);
    }));

  it('cancel and purge-queue: queued jobs only are purged; a running job is cancelled', () =>
    withEmulator({ endpoints: stub({ maxWorkers: 1, stub: { baseMs: 300 } }) }, async (em) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await http(em, 'POST', '/yolo/run', { input: { images: [`${TINY_B64}${i}`] } })).json.id);
      await sleep(40);
      assert.equal((await http(em, 'GET', '/yolo/health')).json.jobs.inQueue, 2);
      assert.deepEqual((await http(em, 'POST', '/yolo/purge-queue')).json, { removed: 2, status: 'completed' });
      assert.equal((await http(em, 'GET', `/yolo/status/${ids[1]}`)).status, 404);
      assert.equal((await http(em, 'GET', `/yolo/status/${ids[0]}`)).json.status, 'IN_PROGRESS');
      assert.deepEqual((await http(em, 'POST', `/yolo/cancel/${ids[0]}`)).json, { id: ids[0], status: 'CANCELLED' });
      assert.equal((await http(em, 'GET', `/yolo/status/${ids[0]}`)).json.status, 'CANCELLED');
    }));

  it('per-endpoint rate limits answer 429 with Retry-After', () =>
    withEmulator({ endpoints: stub({ rateLimits: { windowMs: 5000, health: 2 } }) }, async (em) => {
      assert.equal((await http(em, 'GET', '/yolo/health')).status, 200);
      assert.equal((await http(em, 'GET', '/yolo/health')).status, 200);
      const third = await http(em, 'GET', '/yolo/health');
      assert.equal(third.status, 429);
      assert.ok(Number(third.headers['retry-after']) >= 1);
    }));

  it('payload caps: a body over the /run cap is 413 and no job is created', () =>
    withEmulator({ payloadCaps: { runBytes: 1000 }, endpoints: stub() }, async (em) => {
      const res = await http(em, 'POST', '/yolo/run', { input: { images: ['A'.repeat(2000)] } });
      assert.equal(res.status, 413);
      assert.match(res.json.error, /exceeds/);
      assert.equal((await http(em, 'GET', '/yolo/health')).json.jobs.inQueue, 0);
      assert.equal((await http(em, 'POST', '/yolo/run', 'not json')).status, 400);
    }));

  it('invalid input ends FAILED with the list error form', () =>
    withEmulator({ endpoints: stub() }, async (em) => {
      const res = await http(em, 'POST', '/yolo/runsync', { input: { images: 'nope', extra: 1 } });
      assert.equal(res.json.status, 'FAILED');
      assert.ok(Array.isArray(res.json.error) && res.json.error.length >= 1, JSON.stringify(res.json));
    }));

  it('a job stuck IN_QUEUE stays queued until cancelled', () =>
    withEmulator({ endpoints: stub({ faults: { stuckInQueue: { count: 1 } } }) }, async (em) => {
      const a = await http(em, 'POST', '/yolo/run', { input: { images: [TINY_B64] } });
      await sleep(60);
      assert.equal((await http(em, 'GET', `/yolo/status/${a.json.id}`)).json.status, 'IN_QUEUE');
      assert.equal((await http(em, 'POST', `/yolo/cancel/${a.json.id}`)).json.status, 'CANCELLED');
    }));

  it('cold starts: maxWorkers bound, cold-start delay shows in delayTime, idle workers go away', () =>
    withEmulator({ endpoints: stub({ maxWorkers: 2, coldStartExtraMs: 80, idleTimeoutMs: 50, stub: { baseMs: 30 } }) }, async (em) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await http(em, 'POST', '/yolo/run', { input: { images: [`${TINY_B64}${i}`] } })).json.id);
      await sleep(20);
      assert.equal((await http(em, 'GET', '/yolo/health')).json.workers.initializing, 2);
      await sleep(250);
      const first = await http(em, 'GET', `/yolo/status/${ids[0]}`);
      assert.equal(first.json.status, 'COMPLETED');
      assert.ok(first.json.delayTime >= 75, `delayTime ${first.json.delayTime}`);
      assert.equal(em.endpoint('yolo').stats.maxRunningJobs, 2);
      await sleep(100);
      const h = await http(em, 'GET', '/yolo/health');
      assert.equal(h.json.workers.idle + h.json.workers.running, 0);
    }));

  it('admin route sets faults at runtime (latency, 5xx) and validates them', () =>
    withEmulator({ endpoints: stub() }, async (em) => {
      const auth = { authorization: `Bearer ${em.apiKey}` };
      const set = await request(`${em.url}/admin/yolo/faults`, { method: 'POST', headers: auth, body: JSON.stringify({ http5xx: { count: 1, status: 502 }, latencyMs: { min: 50, max: 60 } }) });
      assert.equal(set.statusCode, 200);
      await set.body.text();
      const t0 = Date.now();
      assert.equal((await http(em, 'GET', '/yolo/health')).status, 502);
      assert.ok(Date.now() - t0 >= 45);
      assert.equal((await http(em, 'GET', '/yolo/health')).status, 200);
      const bad = await request(`${em.url}/admin/yolo/faults`, { method: 'POST', headers: auth, body: JSON.stringify({ http5xx: { rate: 7 } }) });
      assert.equal(bad.statusCode, 400);
      await bad.body.text();
    }));

  it('refuses to bind a non-loopback address, and rejects a bad config clearly', () => {
    assert.throws(() => new RunpodEmulator({ host: '0.0.0.0' }), (e: unknown) => e instanceof VideoAgentError && /loopback/.test(e.message));
    assert.throws(() => new RunpodEmulator({ endpoints: { x: { backend: 'stub' } } }), (e: unknown) => e instanceof VideoAgentError && /model/.test(e.message));
  });

  it('a config still using the old `worker:` key fails, saying it was renamed to `backend:`', () => {
    const old = { endpoints: { yolo: { worker: 'stub' } } } as unknown as EmulatorConfigInput;
    assert.throws(
      () => new RunpodEmulator(old),
      (e: unknown) => e instanceof VideoAgentError && e.code === 'E_EMULATOR_CONFIG' && /endpoints\.yolo\.worker was renamed to "backend"/.test(e.message) && /backend: stub/.test(e.message),
    );
    const em = new RunpodEmulator({ endpoints: { yolo: { backend: 'stub' } } });
    assert.equal(em.endpoint('yolo').config.backend, 'stub');
    assert.equal(em.endpoint('yolo').backendKind, 'stub');
  });
});

describe('runpod contracts: stub conformance', () => {
  const inputs = {
    yolo: { images: [TINY_B64, TINY_B64] },
    emotion: { faces: [TINY_B64] },
    whisper: { audio_base64: TINY_B64, word_timestamps: true },
    vlm: { openai_route: '/v1/chat/completions', openai_input: { model: 'm', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] } },
    diarization: { audio_base64: TINY_B64 },
  } as const;
  for (const m of MODEL_NAMES) {
    it(`stub output for ${m} is valid against ${m}.output.schema.json`, async () => {
      const out = await new StubModel(m).handle(inputs[m], { jobId: 'j', signal: new AbortController().signal });
      const v = validateOutput(m, out);
      assert.ok(v.ok, JSON.stringify(v));
      // And a broken one is not: the validator really checks.
      assert.equal(validateOutput(m, { nothing: true }).ok, false);
    });
  }
});
