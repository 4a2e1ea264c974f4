import assert from 'node:assert/strict';
import { RunpodEmulator } from '../../src/runpod/emulator';
import { RunpodQueueFullError } from '../../src/runpod/errors';
import { errorKind } from '../../src/errors';
import { rig, stubEndpoints, TINY_B64, withEmulator, type Rig } from './helpers';

/** Memory stays bounded under load: the emulator's queue and finished-job map, the client's bulkhead line. */
async function call(em: RunpodEmulator, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${em.apiBase}${path}`, {
    method, headers: { 'content-type': 'application/json', authorization: `Bearer ${em.apiKey}` }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

const job = (i: number) => ({ input: { images: [`${TINY_B64}${i}`] } });

describe('bounded memory', () => {
  describe('emulator', () => {
    it('a full queue answers /run and /runsync with 429 + Retry-After and creates no job', () =>
      // Jobs that never leave IN_QUEUE: exactly maxQueue are accepted.
      withEmulator({ endpoints: { yolo: { backend: 'stub', maxQueue: 3, faults: { stuckInQueue: { count: 100 } } } } }, async (em) => {
        for (let i = 0; i < 3; i++) assert.equal((await call(em, 'POST', '/yolo/run', job(i))).status, 200, `job ${i}`);
        for (const op of ['run', 'runsync']) {
          const full = await call(em, 'POST', `/yolo/${op}`, job(9));
          assert.equal(full.status, 429, op);
          assert.match(full.json.error, /queue full/);
          assert.equal(full.headers.get('retry-after'), '1');
        }
        assert.equal((await call(em, 'GET', '/yolo/health')).json.jobs.inQueue, 3);
        assert.equal((await call(em, 'POST', '/yolo/purge-queue')).json.removed, 3);
        assert.equal((await call(em, 'POST', '/yolo/run', job(10))).status, 200, 'room again once the queue drains');
      }));

    it('keeps at most maxRetainedJobs final jobs (oldest evicted, 404) and drops the input of completed ones', () =>
      withEmulator({ endpoints: { yolo: { backend: 'stub', maxRetainedJobs: 3 } } }, async (em) => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const r = await call(em, 'POST', '/yolo/runsync?wait=5000', job(i));
          assert.equal(r.json.status, 'COMPLETED');
          ids.push(r.json.id as string);
        }
        const statuses = await Promise.all(ids.map(async (id) => (await call(em, 'GET', `/yolo/status/${id}`)).status));
        assert.deepEqual(statuses, [404, 404, 200, 200, 200]);
        assert.equal(em.endpoint('yolo').get(ids[4])!.input, undefined, 'a completed job holds its result only');
      }));
  });

  describe('client bulkhead', () => {
    let r: Rig | undefined;
    afterEach(async () => {
      await r?.close();
      r = undefined;
    });

    it('past maxQueuedPerEndpoint a call fails at once with RunpodQueueFullError (rate_limited, retryable)', async () => {
      r = await rig({ endpoints: stubEndpoints(['yolo'], { stub: { baseMs: 150 }, maxWorkers: 4 }) }, { maxInFlightPerEndpoint: 1, maxQueuedPerEndpoint: 2, cacheSize: 0 });
      const order: string[] = [];
      const calls = Array.from({ length: 5 }, (_, i) =>
        r!.client.call('yolo', { images: [`${TINY_B64}${i}`] }).then(
          () => { order.push(`ok${i}`); return 'ok'; },
          (err: unknown) => { order.push(`err${i}`); return err; },
        ));
      const results = await Promise.all(calls);
      const rejected = results.filter((x) => x !== 'ok');
      assert.equal(rejected.length, 2, `1 in flight + 2 waiting succeed, 2 are refused: ${order.join(' ')}`);
      for (const err of rejected) {
        assert.ok(err instanceof RunpodQueueFullError, String(err));
        assert.equal(err.code, 'E_RUNPOD_QUEUE_FULL');
        assert.equal(errorKind(err), 'rate_limited');
        assert.equal(err.retryable, true);
      }
      // Refused without waiting: both failures came before the first success.
      assert.deepEqual(order.slice(0, 2).sort(), ['err3', 'err4']);
      assert.equal(r.emulator.endpoint('yolo').stats.requests.run, 3, 'refused calls never reached the endpoint');
    });
  });
});
