import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LiveHighlightClipper } from '../../src/clips/live-highlight-clipper';
import { listClips, type RecordingSegment } from '../../src/clips';
import { generateClip } from '../../src/media';
import { FsObjectStore } from '../../src/object-store';
import { openStore, type Store } from '../../src/store';
import type { HighlightMsg } from '../../src/topics';
import { requirePostgres } from '../helpers/services';

const highlight = (startS: number, endS: number, rank: number): HighlightMsg => ({
  streamId: 'live-clip', ptsUs: startS * 1e6, ts: Date.now(), startUs: startS * 1e6, endUs: endS * 1e6, peakUs: ((startS + endS) / 2) * 1e6,
  score: 0.5, contributions: { arousal: 0.5 }, title: 'loud', rank,
});

describe('live highlight clips: cut from the recording once it covers them', function () {
  this.timeout(120_000);
  let store: Store;
  let dir: string;
  before(async () => {
    const url = await requirePostgres();
    const admin = await openStore({ databaseUrl: url, migrate: false });
    await admin.pool.query('DROP SCHEMA IF EXISTS live_clipper CASCADE');
    await admin.close();
    store = await openStore({ databaseUrl: url, schema: 'live_clipper' });
    await store.migrateDone;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-live-clips-'));
  });
  after(async () => { await store?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('waits while the segment is being written, then exports; ranks beyond top and spans never recorded get no clip', async () => {
    const seg = await generateClip({ durationS: 12, width: 160, height: 90, fps: 10, audio: 'tone' });
    let closed: RecordingSegment[] = [];
    const clipper = new LiveHighlightClipper({
      streamId: 'live-clip', pool: store.pool, store: new FsObjectStore(path.join(dir, 'clips')), streamStartMs: Date.now(), top: 1,
      segments: async (fromUs, toUs) => closed.filter((s) => s.startUs < toUs && s.startUs + s.durationUs > fromUs), pollMs: 100, maxWaitMs: 1500,
    });
    clipper.offer(highlight(14, 18, 1)); // the recorded segment (10 s to 22 s) covers it once closed
    clipper.offer(highlight(2, 6, 2)); // rank 2 > top: not queued
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(clipper.getStats().exported, 0, 'nothing exported while the segment is open');
    closed = [{ path: seg, startUs: 10e6, durationUs: 12e6 }];
    for (let i = 0; i < 100 && clipper.getStats().exported === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(clipper.getStats().exported, 1, JSON.stringify(clipper.getStats()));
    const clips = await listClips(store.pool, 'live-clip');
    assert.equal(clips.length, 1);
    assert.equal(clips[0]!.source, 'recording');
    assert.ok(clips[0]!.durationS >= 3.5 && clips[0]!.durationS <= 6.5, `duration ${clips[0]!.durationS}`);
    clipper.offer(highlight(40, 44, 1)); // never recorded
    for (let i = 0; i < 60 && clipper.getStats().gaveUp === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual({ ...clipper.getStats() }, { queued: 2, exported: 1, failed: 0, dropped: 0, gaveUp: 1 });
    await clipper.close();
  });
});
