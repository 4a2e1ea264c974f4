import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/open-store';
import type { DetectionRow } from '../../src/store/rows';
import { PrivatePostgres } from '../helpers/private-postgres';
import { reportDrill } from './report';

/**
 * Drill: PostgreSQL stopped mid-stream (pg_ctl stop -m fast: open connections are cut), then started again.
 * A producer writes one frame of detection rows every 20 ms and awaits each write, as the detection stage
 * does before it acknowledges a bus entry. Every acknowledged row must end up in the database exactly once
 * and the spool must drain. DRILL_OUTAGE_S sets the outage (default 15 s; the report's long run used 60).
 */
const OUTAGE_S = Number(process.env.DRILL_OUTAGE_S ?? 15);
const ROWS_PER_FRAME = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('drill: PostgreSQL stopped mid-stream, then started', function () {
  this.timeout((OUTAGE_S + 45) * 1000);
  let pg: PrivatePostgres | undefined;
  let store: Store | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-pg-'));
  after(async () => {
    await store?.close().catch(() => undefined);
    await pg?.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged row, duplicates none, and drains the spool', async () => {
    pg = await PrivatePostgres.create();
    store = await openStore({ databaseUrl: pg.url(), dataDir, writer: { replayIntervalMs: 250, readyWaitMs: 200 } });
    await store.migrateDone;
    const s = store;
    const base = Date.UTC(2026, 0, 1);
    const acked: number[] = []; // frame numbers whose write resolved
    const failures: string[] = [];
    let stop = false;
    let frame = 0;
    let maxWriteMs = 0;
    const producer = (async () => {
      while (!stop) {
        const f = frame++;
        const rows: DetectionRow[] = Array.from({ length: ROWS_PER_FRAME }, (_, detIdx) => ({
          streamId: 'drill', ptsUs: f * 100_000, ts: base + f * 100, detIdx, classId: detIdx, className: 'person', confidence: 0.9, bbox: [1, 2, 3, 4],
        }));
        const t0 = Date.now();
        try {
          await s.writeDetections(rows);
          acked.push(f);
        } catch (err) {
          failures.push((err as Error).message);
        }
        maxWriteMs = Math.max(maxWriteMs, Date.now() - t0);
        await sleep(20);
      }
    })();

    await sleep(3000);
    const beforeStop = acked.length;
    await pg.stop();
    const tDown = Date.now();
    await sleep(OUTAGE_S * 1000);
    const spooledDuring = s.stats().detections.spooled;
    const ackedDuring = acked.length - beforeStop;
    await pg.start();
    const tUp = Date.now();
    // The producer keeps going while the spool drains, and for 3 s after.
    const spoolDir = path.join(dataDir, 'spool', 'public');
    const spoolEmpty = () => !s.stats().detections.spooling && (!fs.existsSync(spoolDir) || fs.readdirSync(spoolDir).length === 0);
    let drainedMs = -1;
    while (Date.now() - tUp < 30_000) {
      if (spoolEmpty()) { drainedMs = Date.now() - tUp; break; }
      await sleep(50);
    }
    await sleep(3000);
    stop = true;
    await producer;
    await s.flush();

    const r = await s.pool.query<{ n: number; keys: number; frames: number; lo: number; hi: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (pts_us, det_idx))::int AS keys, count(DISTINCT pts_us)::int AS frames,
              min(pts_us / 100000)::int AS lo, max(pts_us / 100000)::int AS hi FROM detections WHERE stream_id = 'drill'`);
    const db = r.rows[0];
    const stats = s.stats().detections;
    console.log(`      outage ${((tUp - tDown) / 1000).toFixed(1)} s: ${acked.length} frames acknowledged (${ackedDuring} while down, ${spooledDuring} rows spooled), `
      + `${db.n} rows stored, spool drained ${(drainedMs / 1000).toFixed(1)} s after the restart, longest write ${maxWriteMs} ms, replayed ${stats.replayed}`);

    reportDrill({
      fault: 'PostgreSQL stopped mid-stream', durationS: Math.round((tUp - tDown) / 1000), framesIn: acked.length, rowsExpected: acked.length * ROWS_PER_FRAME,
      rowsStored: db.n, lost: acked.length * ROWS_PER_FRAME - db.n, duplicated: db.n - db.keys, recoveryMs: drainedMs, note: `${spooledDuring} rows spooled while down`,
    });
    assert.deepEqual(failures, [], 'no write was refused');
    assert.ok(ackedDuring > 0 && spooledDuring > 0, 'writes kept being acknowledged during the outage, through the spool');
    assert.ok(drainedMs >= 0, 'the spool drained within 30 s of the restart');
    assert.ok(spoolEmpty(), 'and stayed empty');
    assert.equal(db.n, acked.length * ROWS_PER_FRAME, '0 acknowledged rows lost');
    assert.equal(db.keys, db.n, '0 duplicates');
    assert.equal(db.frames, acked.length);
    assert.equal(db.lo, 0);
    assert.equal(db.hi, frame - 1, 'every frame up to the last one');
    assert.equal(stats.rejected, 0);
  });
});
