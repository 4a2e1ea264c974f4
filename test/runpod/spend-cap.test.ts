import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunpodClient } from '../../src/runpod/client';
import { loadRunpodConfig, withOverrides } from '../../src/runpod/config';
import { RunpodSpendCapError, RunpodSubmitUncertainError } from '../../src/runpod/errors';
import { GPU_TIMING } from '../../src/runpod/gpu-timing';
import { RunpodEmulator } from '../../src/runpod/emulator';
import { FAST, rig, stubEndpoints, TINY_B64, type Rig } from './helpers';

describe('runpod spend cap: a hard limit within one process', function () {
  this.timeout(30_000);
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('a $0.01 cap is never crossed by 64 concurrent callers; refused calls are never submitted', async () => {
    const probe = loadRunpodConfig({});
    const t = GPU_TIMING.yolo[probe.models.yolo.gpu]!;
    const perCallUsd = 0.001;
    // Priced so one 1-image call costs $0.001 (modelled on the model's GPU, as on the local emulator).
    const price = perCallUsd / ((t.baseMs + t.perItemMs) / 1000);
    r = await rig({ endpoints: stubEndpoints(['yolo'], { maxWorkers: 64, stub: { baseMs: 20 } }) }, {
      spendCapUsd: 0.01, overheadSecondsPerCall: 0, cacheSize: 0, maxInFlightPerEndpoint: 64, models: { yolo: { pricePerSecond: price } },
    });
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => r!.client.call('yolo', { images: [`${TINY_B64}${i}`] }).then(() => 'ok', (e: unknown) => e)));
    const ok = results.filter((x) => x === 'ok').length;
    const refused = results.filter((x) => x instanceof RunpodSpendCapError).length;
    assert.equal(ok + refused, 64, `only cap refusals: ${results.filter((x) => x !== 'ok' && !(x instanceof RunpodSpendCapError)).map(String).join('; ')}`);
    const spent = r.client.cost.snapshot().total.usd;
    assert.ok(spent <= 0.01 + 1e-12, `spent $${spent} over the $0.01 cap (${ok} calls ran)`);
    assert.ok(ok >= 9, `the cap admits as many calls as fit: ${ok}`);
    assert.equal(r.emulator.endpoint('yolo').stats.requests.run, ok, 'refused calls were never submitted');
    assert.equal(r.client.cost.reservedTotalUsd, 0, 'every reservation settled');
  });

  it('a /run whose reply is lost is not resubmitted; its reservation stays held', async () => {
    const em = await new RunpodEmulator({ endpoints: stubEndpoints(['yolo']) }).start();
    // A proxy that delivers /run to the emulator, then drops the connection before answering.
    const proxy = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString(); });
      req.on('end', async () => {
        const up = await fetch(`${em.url}${req.url}`, { method: req.method, headers: { authorization: `Bearer ${em.apiKey}`, 'content-type': 'application/json' }, body: req.method === 'POST' ? body : undefined });
        const text = await up.text();
        if (/\/run$/.test(req.url ?? '')) { req.socket.destroy(); return; }
        res.writeHead(up.status, { 'content-type': 'application/json' });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    const cfg = withOverrides(loadRunpodConfig({ RUNPOD_API_BASE: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v2` }), {
      ...FAST, apiKey: em.apiKey, localEmulator: true, cacheSize: 0, models: { yolo: { endpointIds: ['yolo'] } },
    });
    const client = new RunpodClient(cfg);
    try {
      await assert.rejects(client.call('yolo', { images: [TINY_B64] }, { mode: 'run' }), (e: unknown) => e instanceof RunpodSubmitUncertainError && e.retryable === false);
      assert.equal(em.endpoint('yolo').stats.requests.run, 1, 'submitted once, not retried blindly');
      assert.ok(client.cost.reservedTotalUsd > 0, 'the job may be running and billed: the cap keeps counting it');
    } finally {
      await client.close();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await em.close();
    }
  });
});
