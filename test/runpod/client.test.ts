import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { registry } from '../../src/obs/metrics';
import {
  RunpodAbortedError,
  RunpodAuthError,
  RunpodContractError,
  RunpodDeadlineError,
  RunpodJobFailedError,
  RunpodJobNotFoundError,
  RunpodJobTimedOutError,
  RunpodNoOutputError,
  RunpodPayloadTooLargeError,
  RunpodServerError,
  RunpodSpendCapError,
  RunpodUnavailableError,
} from '../../src/runpod/errors';
import type { SpendCapEvent } from '../../src/runpod/cost';
import { rig, stubEndpoints, TINY_B64, type Rig } from './helpers';

const YOLO = { images: [TINY_B64] };

describe('runpod client against the emulator', () => {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('retries 5xx with backoff and counts the retries', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { faults: { http5xx: { count: 2, status: 503 } } }) });
    const retries: number[] = [];
    r.client.on('retry', (e: { attempt: number }) => retries.push(e.attempt));
    const res = await r.client.call('yolo', YOLO);
    assert.equal(res.output.results.length, 1);
    assert.deepEqual(retries, [1, 2]);
    assert.equal(r.emulator.endpoint('yolo').stats.requests.run, 3);
  });

  it('gives up after maxRetries with a typed server error', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { faults: { http5xx: { rate: 1 } } }) }, { retry: { maxRetries: 2 }, breaker: { consecutiveFailures: 50 } });
    await assert.rejects(r.client.call('yolo', YOLO), (e: unknown) => e instanceof RunpodServerError && e.status === 500);
    assert.equal(r.emulator.endpoint('yolo').stats.requests.run, 3);
  });

  it('opens the circuit after consecutive failures, then closes it through half-open', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { faults: { http5xx: { count: 3 } } }) }, { retry: { maxRetries: 0 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 150 } });
    const states: string[] = [];
    r.client.on('breaker', (e: { state: string }) => states.push(e.state));
    for (let i = 0; i < 3; i++) await assert.rejects(r.client.call('yolo', YOLO, { cache: false }), RunpodServerError);
    assert.equal(r.client.circuitState('yolo'), 'open');
    const before = r.emulator.endpoint('yolo').stats.requests.run;
    await assert.rejects(r.client.call('yolo', YOLO, { cache: false }), RunpodUnavailableError);
    assert.equal(r.emulator.endpoint('yolo').stats.requests.run, before, 'an open circuit sends nothing');
    await sleep(200);
    const ok = await r.client.call('yolo', YOLO, { cache: false });
    assert.equal(ok.output.results.length, 1);
    assert.equal(r.client.circuitState('yolo'), 'closed');
    assert.deepEqual(states, ['open', 'half-open', 'closed']);
  });

  it('bulkhead bounds the jobs in flight per endpoint', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { stub: { baseMs: 40 }, maxWorkers: 10 }) }, { maxInFlightPerEndpoint: 2 });
    const calls = Array.from({ length: 8 }, (_, i) => r!.client.call('yolo', { images: [`${TINY_B64}${i}`] }));
    const res = await Promise.all(calls);
    assert.equal(res.length, 8);
    assert.equal(r.emulator.endpoint('yolo').stats.maxActiveJobs, 2);
  });

  it('spend cap refuses the call that would cross it, with an event', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo']) }, { overheadSecondsPerCall: 1, spendCapUsd: 0.0025, models: { yolo: { pricePerSecond: 0.001, endpointIds: ['yolo'] } } });
    const events: SpendCapEvent[] = [];
    r.client.cost.on('spend-cap', (e: SpendCapEvent) => events.push(e));
    await r.client.call('yolo', { images: ['AAAA'] });
    await r.client.call('yolo', { images: ['BBBB'] });
    await assert.rejects(r.client.call('yolo', { images: ['CCCC'] }), (e: unknown) => e instanceof RunpodSpendCapError && /RUNPOD_SPEND_CAP_USD/.test(e.message));
    assert.equal(events.length, 1);
    assert.equal(events[0].capUsd, 0.0025);
    assert.equal(r.emulator.endpoint('yolo').stats.requests.run, 2, 'the refused call never reached RunPod');
    const snap = r.client.cost.snapshot();
    assert.equal(snap.total.calls, 2);
    assert.ok(snap.total.usd >= 0.002 && snap.total.usd < 0.0025);
    assert.match(snap.note, /cold start\/idle/);
  });

  it('an aborted call cancels the remote job', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { stub: { baseMs: 3000 } }) });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 80);
    const err = await r.client.call('yolo', YOLO, { signal: ac.signal }).catch((e: unknown) => e);
    assert.ok(err instanceof RunpodAbortedError, String(err));
    assert.ok(err.jobId);
    await sleep(50);
    const job = r.emulator.endpoint('yolo').get(err.jobId!);
    assert.equal(job?.status, 'CANCELLED');
  });

  it('a call past its deadline fails typed and cancels the job', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { stub: { baseMs: 3000 } }) });
    const err = await r.client.call('yolo', YOLO, { timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(err instanceof RunpodDeadlineError, String(err));
    await sleep(50);
    assert.equal(r.emulator.endpoint('yolo').get(err.jobId!)?.status, 'CANCELLED');
  });

  it('runsync that is not final within its wait falls back to polling /status', async () => {
    r = await rig({ runsyncWait: { minMs: 10 }, endpoints: stubEndpoints(['yolo'], { stub: { baseMs: 150 } }) }, { runsyncWaitMs: 20 });
    const res = await r.client.call('yolo', YOLO, { mode: 'runsync' });
    assert.equal(res.output.results.length, 1);
    assert.match(res.jobs[0].id, /^sync-/);
    const st = r.emulator.endpoint('yolo').stats.requests;
    assert.equal(st.runsync, 1);
    assert.ok((st.status ?? 0) >= 1, 'polled /status');
  });

  it('a job past its TTL answers 404: RunpodJobNotFoundError', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { faults: { stuckInQueue: { count: 1 } } }) });
    const err = await r.client.call('yolo', YOLO, { policy: { ttl: 100 } }).catch((e: unknown) => e);
    assert.ok(err instanceof RunpodJobNotFoundError, String(err));
    assert.match(err.message, /expired/);
    const sub = await r.client.run('yolo', YOLO, { policy: { ttl: 50 } });
    await sleep(120);
    await assert.rejects(r.client.status('yolo', sub.id), RunpodJobNotFoundError);
  });

  it('fails over to the second endpoint id when the first is failing', async () => {
    r = await rig(
      { endpoints: { bad: { backend: 'stub', model: 'yolo', faults: { http5xx: { rate: 1 } } }, good: { backend: 'stub', model: 'yolo' } } },
      { retry: { maxRetries: 1 }, models: { yolo: { endpointIds: ['bad', 'good'] } } },
    );
    const failovers: { from: string; to: string }[] = [];
    r.client.on('failover', (e: { from: string; to: string }) => failovers.push(e));
    const res = await r.client.call('yolo', YOLO);
    assert.equal(res.jobs[0].endpointId, 'good');
    assert.deepEqual(failovers.map((f) => [f.from, f.to]), [['bad', 'good']]);
    assert.equal(r.emulator.endpoint('good').stats.counters.completed, 1);
  });

  for (const form of ['string', 'json', 'list'] as const) {
    it(`a FAILED job with the ${form} error form is typed`, async () => {
      r = await rig({ endpoints: stubEndpoints(['yolo'], { faults: { failed: { count: 1, form } } }) });
      const err = await r.client.call('yolo', YOLO).catch((e: unknown) => e);
      assert.ok(err instanceof RunpodJobFailedError, String(err));
      assert.equal(err.form, form);
      if (form === 'json') assert.match(err.details?.error_message ?? '', /CUDA out of memory/);
      if (form === 'list') assert.deepEqual(err.validationErrors, ['images: injected validation error']);
      if (form === 'string') assert.match(err.message, /Injected failure/);
    });
  }

  it('COMPLETED without output is an error', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { faults: { noOutput: { count: 1 } } }) });
    await assert.rejects(r.client.call('yolo', YOLO), RunpodNoOutputError);
  });

  it('TIMED_OUT at the executionTimeout policy is typed', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { faults: { timedOut: { count: 1 } } }) });
    await assert.rejects(r.client.call('yolo', YOLO, { policy: { executionTimeout: 60 } }), RunpodJobTimedOutError);
    assert.equal(r.emulator.endpoint('yolo').stats.counters.timedOut, 1);
  });

  it('honours Retry-After on 429', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo'], { faults: { http429: { count: 1, retryAfterS: 1 } } }) });
    const t0 = Date.now();
    await r.client.call('yolo', YOLO);
    const took = Date.now() - t0;
    assert.ok(took >= 1000, `waited ${took} ms`);
    assert.equal(r.emulator.endpoint('yolo').stats.requests.run, 2);
  });

  it('splits a batch over the 10 MB /run limit and the schema item cap, and merges in order', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo', 'whisper']) });
    const big = Array.from({ length: 12 }, (_, i) => `${i}`.padEnd(1024 * 1024, 'A'));
    const res = await r.client.call('yolo', { images: big });
    assert.equal(res.output.results.length, 12);
    assert.equal(res.jobs.length, 2);
    const many = Array.from({ length: 70 }, (_, i) => `img${i}`);
    const res2 = await r.client.call('yolo', { images: many });
    assert.equal(res2.output.results.length, 70);
    assert.equal(res2.jobs.length, 2);
    const runs = r.emulator.endpoint('yolo').stats.requests.run;
    await assert.rejects(r.client.call('whisper', { audio_base64: 'A'.repeat(11 * 1024 * 1024) }), (e: unknown) => e instanceof RunpodPayloadTooLargeError && /by URL/.test(e.message));
    assert.equal(r.emulator.endpoint('yolo').stats.requests.run, runs);
    assert.equal(r.emulator.endpoint('whisper').stats.requests.run ?? 0, 0);
  });

  it('the content-hash cache answers the same input once paid', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo']) });
    const a = await r.client.call('yolo', YOLO);
    const b = await r.client.call('yolo', { images: [TINY_B64] });
    assert.equal(a.cached, false);
    assert.equal(b.cached, true);
    assert.deepEqual(b.output, a.output);
    assert.equal(r.emulator.endpoint('yolo').stats.requests.run, 1);
    assert.equal(r.client.cost.snapshot().total.calls, 1);
  });

  it('never puts the API key in logs or error strings', async () => {
    const key = 'rp_SECRET_KEY_0123456789';
    r = await rig({ apiKey: key, endpoints: stubEndpoints(['yolo'], { faults: { http5xx: { count: 1 } } }) }, {}, { RUNPOD_API_KEY: key });
    const ok = await r.client.call('yolo', YOLO);
    assert.equal(ok.output.results.length, 1);
    assert.ok(r.logs.some((l) => /retrying/.test(l)), 'the retry was logged');
    const wrong = await rig({ apiKey: key, endpoints: stubEndpoints(['yolo']) }, {}, { RUNPOD_API_KEY: 'rp_WRONG_KEY_9876543210' });
    try {
      const err = await wrong.client.call('yolo', YOLO).catch((e: unknown) => e);
      assert.ok(err instanceof RunpodAuthError, String(err));
      for (const text of [err.message, String(err.stack), JSON.stringify(err), ...wrong.logs, ...r.logs]) {
        assert.ok(!text.includes(key) && !text.includes('rp_WRONG_KEY_9876543210'), `key leaked in: ${text.slice(0, 200)}`);
      }
    } finally {
      await wrong.close();
    }
  });

  it('rejects a request that breaks its contract before sending it', async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo']) });
    await assert.rejects(r.client.call('yolo', { images: [] }), RunpodContractError);
    assert.equal(r.emulator.endpoint('yolo').stats.requests.run ?? 0, 0);
  });

  it('exposes calls, latency, GPU seconds and cost as Prometheus metrics', async () => {
    r = await rig({ endpoints: stubEndpoints(['emotion'], { stub: { baseMs: 20 } }) }, { overheadSecondsPerCall: 0.5 });
    await r.inference.emotions([TINY_B64]);
    const text = await registry.metrics();
    assert.match(text, /video_agent_runpod_calls_total\{model="emotion",endpoint="emotion",outcome="ok"\} [1-9]/);
    assert.match(text, /video_agent_runpod_call_seconds_count\{model="emotion"\} [1-9]/);
    assert.match(text, /video_agent_runpod_gpu_seconds_total\{model="emotion"\} 0\.5/);
    assert.match(text, /video_agent_runpod_cost_usd_total\{model="emotion"\}/);
  });
});

describe('typed model calls (InferenceClient)', () => {
  let r: Rig;
  before(async () => {
    r = await rig({ endpoints: stubEndpoints(['yolo', 'whisper', 'vlm', 'emotion', 'diarization']) });
  });
  after(() => r.close());

  it('detect, emotions, transcribe, diarize return validated outputs', async () => {
    const det = await r.inference.detect([Buffer.from('jpeg-bytes-1'), Buffer.from('jpeg-bytes-2')], { streamId: 's1' });
    assert.equal(det.perImage.length, 2);
    assert.equal(det.perImage[0][0].className, 'person');
    assert.ok(det.billing && det.billing.callId.length > 0, 'a call that reached the endpoint is billed');
    const emo = await r.inference.emotions([Buffer.from('face')]);
    assert.equal(emo.output.results[0].emotion, 'neutral');
    const asr = await r.inference.transcribe(Buffer.from('RIFF-not-really-wav'), { streamId: 's1' });
    assert.ok(asr.words.length > 0, 'word timestamps requested by default');
    const dia = await r.inference.diarize(Buffer.from('wav'));
    assert.equal(dia.output.segments[0].speaker, 'SPEAKER_00');
    assert.equal(r.client.cost.snapshot().byStream.s1.calls, 2);
  });

  it('describe goes through /run with the OpenAI route, data URLs and max_tokens, and parses the reply', async () => {
    const seen: unknown[] = [];
    const ep = r.emulator.endpoint('vlm');
    const orig = ep.backingModel.handle.bind(ep.backingModel);
    ep.backingModel.handle = async (input, ctx) => {
      seen.push(input);
      return orig(input, ctx);
    };
    const res = await r.inference.describe({ prompt: 'What happens?', images: [Buffer.from('jpeg')] });
    assert.ok(res.reply.ok, 'the stub replies in the schema');
    assert.equal(typeof res.reply.reply.description, 'string');
    assert.ok(res.reply.reply.clip_worthy_score >= 0 && res.reply.reply.clip_worthy_score <= 1);
    const input = seen[0] as { openai_route: string; openai_input: { max_tokens: number; messages: { content: { type: string; image_url?: { url: string } }[] }[] } };
    assert.equal(input.openai_route, '/v1/chat/completions');
    assert.ok(input.openai_input.max_tokens > 16);
    assert.match(input.openai_input.messages[0].content[0].image_url!.url, /^data:image\/jpeg;base64,/);
    assert.equal(ep.stats.requests.run, 1);
    assert.equal(ep.stats.requests.runsync ?? 0, 0);
  });
});
