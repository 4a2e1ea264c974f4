import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoAgentError } from '../../src/errors';
import { BatchWriter } from '../../src/store/batch-writer';
import { Spool } from '../../src/store/spool';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('store/BatchWriter (unit)', () => {
  it('flushes by size: full batches go out without waiting for the age limit', async () => {
    const batches: number[][] = [];
    const w = new BatchWriter<number>({ name: 't', maxBatch: 10, lingerMs: 60_000, sink: async (rows) => { batches.push(rows); return rows.length; } });
    await w.write(Array.from({ length: 25 }, (_, i) => i));
    await tick(20);
    assert.ok(batches.length >= 2, `expected size flushes, got ${batches.length}`);
    assert.ok(batches.every((b) => b.length <= 10));
    await w.close();
    assert.deepEqual(batches.flat(), Array.from({ length: 25 }, (_, i) => i), 'every row once, in order');
    assert.equal(w.stats.inserted, 25);
  });

  it('write() resolves only once its rows went through the sink (durable), not when they are queued', async () => {
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const w = new BatchWriter<number>({ name: 't', maxBatch: 1000, sink: async (rows) => { await gate; seen.push(...rows); return rows.length; } });
    let resolved = false;
    const p = w.write([1, 2, 3]).then(() => { resolved = true; });
    await tick(30);
    assert.equal(resolved, false, 'must not resolve while the batch is not committed');
    release();
    await p;
    assert.deepEqual(seen, [1, 2, 3], 'resolved after the sink returned');
    await w.close();
  });

  it('group commit: concurrent writers share one batch, and rows arriving meanwhile go out right after it', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    let gate = new Promise<void>((r) => { release = r; });
    const w = new BatchWriter<number>({ name: 't', maxBatch: 1000, lingerMs: 60_000, sink: async (rows) => { batches.push(rows); await gate; return rows.length; } });
    // An idle writer with a 60 s lingerMs: the first batch still waits that long for company...
    const first = w.write(0);
    await tick(20);
    assert.equal(batches.length, 0);
    // ...but a size flush starts it, and later writers join the next batch, which starts as soon as it ends.
    const bulk = w.write(Array.from({ length: 1000 }, (_, i) => 1 + i));
    await tick(20);
    assert.equal(batches.length, 1);
    const waiting = Array.from({ length: 50 }, (_, i) => w.write(2000 + i));
    const gate1 = release;
    gate = Promise.resolve();
    gate1();
    const t0 = Date.now();
    await Promise.all([first, bulk, ...waiting]);
    assert.ok(Date.now() - t0 < 5000, 'the queued writers did not wait for lingerMs');
    // Batch 1: row 0 and rows 1..999; batch 2: row 1000 and the 50 concurrent writes, together.
    assert.deepEqual(batches.map((b) => b.length), [1000, 51], 'the 50 concurrent writes shared one batch');
    assert.deepEqual(batches[1], [1000, ...Array.from({ length: 50 }, (_, i) => 2000 + i)]);
    await w.close();
  });

  it('maxAgeMs caps the linger: an awaited write on an idle writer never waits longer', async () => {
    const w = new BatchWriter<number>({ name: 't', lingerMs: 60_000, maxAgeMs: 20, sink: async (rows) => rows.length });
    const t0 = Date.now();
    await w.write(1);
    assert.ok(Date.now() - t0 < 2000, `waited ${Date.now() - t0} ms`);
    await w.close();
  });

  it('a write whose batch the database refused rejects with its error (no false acknowledgement)', async () => {
    const w = new BatchWriter<number>({ name: 't', sink: async (rows) => { if (rows.includes(-1)) throw new Error('check constraint'); return rows.length; } });
    await w.write([1]);
    await assert.rejects(w.write([-1]), /check constraint/);
    await assert.rejects(w.flush(), /check constraint/, 'flush reports it too');
    await w.write([2]);
    assert.equal(w.stats.inserted, 2);
    await w.close();
  });

  it('is bounded: write() waits while the queue is full (back-pressure), close() flushes the rest', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const seen: number[] = [];
    const w = new BatchWriter<number>({ name: 't', maxBatch: 5, maxQueued: 5, maxAgeMs: 10, sink: async (rows) => { await gate; seen.push(...rows); return rows.length; } });
    let done = false;
    const p = w.write(Array.from({ length: 20 }, (_, i) => i)).then(() => { done = true; });
    await tick(50);
    assert.equal(done, false, 'write must block while the sink is stuck and the queue is full');
    assert.ok(w.stats.queued <= 5, `queue bounded, got ${w.stats.queued}`);
    release();
    await p;
    await w.close();
    assert.equal(seen.length, 20);
  });

  it('rejects an invalid row with a VideoAgentError and accepts nothing of that call', async () => {
    const w = new BatchWriter<number>({ name: 't', sink: async (r) => r.length, validate: (n) => { if (n < 0) throw new VideoAgentError('E_BAD_ROW', 'negative'); } });
    await assert.rejects(w.write([1, -1]), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_ROW');
    assert.equal(w.stats.accepted, 0);
    await w.close();
    await assert.rejects(w.write(1), /closed/);
  });

  it('spools batches when the sink is unreachable and replays them when it comes back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    try {
      let up = false;
      const stored: number[] = [];
      const w = new BatchWriter<number>({
        name: 'nums', maxBatch: 4, maxAgeMs: 10, replayIntervalMs: 30, spool: new Spool(dir),
        isRetryable: (e) => (e as Error).message === 'down',
        sink: async (rows) => { if (!up) throw new Error('down'); stored.push(...rows); return rows.length; },
      });
      await w.write([1, 2, 3, 4, 5, 6]);
      await w.flush();
      assert.equal(w.stats.spooled, 6);
      assert.ok(fs.readdirSync(dir).some((f) => f.startsWith('nums')), 'a spool file exists');
      up = true;
      for (let i = 0; i < 100 && w.stats.spooling; i++) await tick(20);
      assert.equal(w.stats.spooling, false);
      assert.deepEqual(stored.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(fs.readdirSync(dir), [], 'spool emptied');
      await w.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('store/BatchWriter spool replay of a batch the database refuses', () => {
  it('sets it aside (rejected file) instead of blocking the spool forever', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-rej-'));
    try {
      const spool = new Spool(dir);
      await spool.append('t', [1, 2]);
      await spool.append('t', [-1]); // the database will refuse this one
      await spool.append('t', [3]);
      const stored: number[] = [];
      const w = new BatchWriter<number>({
        name: 't', spool, replayIntervalMs: 20, isRetryable: (e) => (e as Error).message === 'down',
        sink: async (rows) => { if (rows.some((r) => r < 0)) throw new Error('check constraint'); stored.push(...rows); return rows.length; },
      });
      for (let i = 0; i < 100 && (stored.length < 3 || w.stats.spooling); i++) await tick(20);
      assert.deepEqual(stored, [1, 2, 3]);
      assert.equal(w.stats.rejected, 1);
      assert.deepEqual(fs.readdirSync(dir), ['t.rejected.jsonl']);
      assert.equal(fs.readFileSync(path.join(dir, 't.rejected.jsonl'), 'utf8'), '[-1]\n');
      await w.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
