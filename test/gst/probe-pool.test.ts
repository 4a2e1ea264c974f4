import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import { promisify } from 'node:util';

import { DEFAULT_MAX_CONCURRENT_PROBES, discover, probeLoad, setMaxConcurrentProbes } from '../../src/gst';
import { type TcpFixture, blackhole } from './helpers/tcp-fixtures';

const pbkdf2 = promisify(crypto.pbkdf2);

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

describe('discover() of unreachable cameras', function () {
  this.timeout(60_000);
  let camera: TcpFixture;

  before(async () => {
    camera = await blackhole();
  });
  after(async () => {
    await camera?.close();
  });

  it('leaves the libuv pool to file, DNS and crypto work while probes hang', async () => {
    const probeTimeoutMs = 4000;
    const probes = Array.from({ length: 8 }, (_, i) => discover(`rtsp://127.0.0.1:${camera.port}/cam${i}`, probeTimeoutMs).then(
      () => assert.fail('a blackholed camera cannot be discovered'),
      (err: { code?: string }) => err.code,
    ));
    await new Promise((r) => setTimeout(r, 500)); // every probe is connected and waiting by now
    const started = performance.now();
    const readMs = await timed(() => fs.promises.readFile(__filename));
    const cryptoMs = await timed(() => pbkdf2('secret', 'salt', 1, 32, 'sha256'));
    const dnsMs = await timed(() => promisify(dns.lookup)('localhost'));
    const probesStillRunning = performance.now() - started < probeTimeoutMs - 500;
    const codes = await Promise.all(probes);
    assert.ok(readMs < 200, `readFile took ${readMs.toFixed(0)} ms`);
    assert.ok(cryptoMs < 200, `pbkdf2 took ${cryptoMs.toFixed(0)} ms`);
    assert.ok(dnsMs < 200, `dns.lookup took ${dnsMs.toFixed(0)} ms`);
    assert.ok(probesStillRunning, 'the measurements ran while the probes were hanging');
    assert.deepEqual(new Set(codes), new Set(['E_PROBE_TIMEOUT']));
  });

  it('runs at most the configured number of probes at once and queues the rest in call order', async () => {
    assert.throws(() => setMaxConcurrentProbes(0), (e: { code?: string }) => e.code === 'E_BAD_ARGUMENT');
    assert.throws(() => setMaxConcurrentProbes(1.5), (e: { code?: string }) => e.code === 'E_BAD_ARGUMENT');
    setMaxConcurrentProbes(2);
    try {
      const settled: number[] = [];
      const probes = [0, 1, 2, 3, 4].map((i) => discover(`rtsp://127.0.0.1:${camera.port}/q${i}`, 1000).catch(() => settled.push(i)));
      assert.deepEqual(probeLoad(), { running: 2, waiting: 3, max: 2 });
      setMaxConcurrentProbes(3); // raising the bound starts a queued probe at once
      assert.deepEqual(probeLoad(), { running: 3, waiting: 2, max: 3 });
      await Promise.all(probes);
      assert.deepEqual(probeLoad(), { running: 0, waiting: 0, max: 3 });
      assert.deepEqual(settled.slice(3).sort(), [3, 4], 'the queued probes ran last');
    } finally {
      setMaxConcurrentProbes(DEFAULT_MAX_CONCURRENT_PROBES);
    }
  });
});
