/**
 * BatchWriter on real PostgreSQL (binary COPY sink, the store's batch settings): P producers (streams), each
 * writing F frames of 5 detection rows one after another and awaiting every write, as the detection stage
 * does before it acknowledges a bus entry. Time = first write to every row committed (the last flush
 * included). 'store sink' is what openStore uses (unnest below SMALL_BATCH_ROWS, binary COPY above). Baseline, measured in the same run: the writer before write() waited for durability
 * (./baseline-writer.ts: resolved on queueing, 250 ms age timer), whose resolve meant nothing for an ack, and
 * the same writer made safe to acknowledge after (write() then flush()).
 * Variants interleave and rotate per round; the median is reported.
 */
import { Pool } from 'pg';
import { BatchWriter } from '../../src/store/batch-writer';
import { bulkInsert, copyInsert } from '../../src/store/insert';
import type { DetectionRow } from '../../src/store/rows';
import { TABLES } from '../../src/store/tables';
import { BaselineBatchWriter } from './baseline-writer';

interface Writer { write(rows: DetectionRow[]): Promise<void>; flush(): Promise<void>; close(): Promise<void> }
interface Variant { label: string; make(pool: Pool): Writer }

const SETTINGS = { maxBatch: 10_000, maxQueued: 40_000 };
const VARIANTS: Variant[] = [
  { label: 'baseline (resolve on queue)', make: (p) => new BaselineBatchWriter<DetectionRow>({ name: 'detections', sink: copyInsert(p, TABLES.detections), ...SETTINGS }) },
  // What acknowledging only durable rows took with the old writer: write(), then flush() before the ack.
  { label: 'baseline + flush per write', make: (p) => { const w = new BaselineBatchWriter<DetectionRow>({ name: 'detections', sink: copyInsert(p, TABLES.detections), ...SETTINGS }); return { write: async (r) => { await w.write(r); await w.flush(); }, flush: () => w.flush(), close: () => w.close() }; } },
  { label: 'durable, COPY only', make: (p) => new BatchWriter<DetectionRow>({ name: 'detections', sink: copyInsert(p, TABLES.detections), ...SETTINGS }) },
  { label: 'durable, store sink', make: (p) => new BatchWriter<DetectionRow>({ name: 'detections', sink: bulkInsert('copy', p, TABLES.detections), ...SETTINGS }) },
];

function frameRows(stream: string, frame: number): DetectionRow[] {
  const ptsUs = frame * 100_000;
  const ts = Date.UTC(2026, 0, 1) + ptsUs / 1000;
  return Array.from({ length: 5 }, (_, detIdx) => ({ streamId: stream, ptsUs, ts, detIdx, classId: detIdx, className: 'person', confidence: 0.8, bbox: [1, 2, 30, 40], trackId: detIdx }));
}

interface Sample { rowsPerS: number; p50WriteMs: number; p95WriteMs: number }

async function once(pool: Pool, v: Variant, producers: number, frames: number): Promise<Sample> {
  await pool.query('TRUNCATE detections');
  const w = v.make(pool);
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: producers }, async (_, p) => {
    for (let f = 0; f < frames; f++) {
      const s = performance.now();
      await w.write(frameRows(`s${p}`, f));
      lat.push(performance.now() - s);
    }
  }));
  await w.flush();
  const s = (performance.now() - t0) / 1000;
  await w.close();
  const n = Number((await pool.query('SELECT count(*) AS n FROM detections')).rows[0].n);
  if (n !== producers * frames * 5) throw new Error(`${v.label}: ${n} rows stored of ${producers * frames * 5}`);
  lat.sort((a, b) => a - b);
  return { rowsPerS: n / s, p50WriteMs: lat[Math.floor(lat.length / 2)], p95WriteMs: lat[Math.floor(lat.length * 0.95)] };
}

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

/** `pool` must have the schema migrated (search_path set). */
export async function benchWriter(pool: Pool, quick: boolean): Promise<void> {
  const rounds = quick ? 2 : 3;
  const shapes = quick ? [[1, 200], [8, 100], [64, 20]] : [[1, 500], [8, 300], [64, 60], [256, 20]];
  console.log(`\nBatchWriter: P producers x F frames of 5 detection rows, every write awaited; until all rows are committed; median of ${rounds} rounds`);
  console.log(`${'producers x frames'.padEnd(20)} ${'variant'.padEnd(30)} ${'rows/s'.padStart(9)}  ${'write p50 ms'.padStart(12)}  ${'p95 ms'.padStart(8)}  ÷ baseline  ÷ baseline + flush`);
  for (const [producers, frames] of shapes) {
    const out = new Map<Variant, Sample[]>(VARIANTS.map((v) => [v, []]));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < VARIANTS.length; k++) {
        const v = VARIANTS[(k + r) % VARIANTS.length];
        out.get(v)!.push(await once(pool, v, producers, frames));
      }
    }
    const base = median(out.get(VARIANTS[0])!.map((s) => s.rowsPerS));
    const safe = median(out.get(VARIANTS[1])!.map((s) => s.rowsPerS));
    for (const [v, s] of out) {
      const rate = median(s.map((x) => x.rowsPerS));
      console.log(`${`${producers} x ${frames}`.padEnd(20)} ${v.label.padEnd(30)} ${Math.round(rate).toLocaleString('en-US').padStart(9)}  ${median(s.map((x) => x.p50WriteMs)).toFixed(2).padStart(12)}  ${median(s.map((x) => x.p95WriteMs)).toFixed(2).padStart(8)}  ${`${(rate / base).toFixed(2)}x`.padStart(10)}  ${`${(rate / safe).toFixed(2)}x`.padStart(18)}`);
    }
  }
}
