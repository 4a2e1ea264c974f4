import assert from 'node:assert/strict';
import { emotionsQuery, highlightsQuery, listEmotions, listHighlights } from '../../src/results';
import { BASE_MS, postgresStore, type OpenedStore } from './fixtures';

describe('results: highlights and emotions lists (same shape as the others)', function () {
  this.timeout(60_000);
  let db: OpenedStore;
  before(async () => {
    db = await postgresStore();
    const s = db.store;
    await s.upsertStream({ streamId: 'h1', source: 'x', startedAt: BASE_MS, metadata: {} });
    const ts = (us: number) => BASE_MS + us / 1000;
    await s.writeHighlights([0, 1, 2, 3, 4].map((i) => ({ streamId: 'h1', ptsUs: i * 2_000_000, ts: ts(i * 2_000_000), startUs: i * 2_000_000, endUs: i * 2_000_000 + 1_500_000, score: 0.2 * i, title: `h${i}`, clipUri: i === 3 ? 'file:///clips/h3.mp4' : null })));
    await s.writeEmotions([0, 1, 2].flatMap((i) => [0, 1].map((f) => ({
      streamId: 'h1', ptsUs: i * 1_000_000, ts: ts(i * 1_000_000), faceIdx: f, emotion: f === 0 ? 'happy' : 'neutral', confidence: 0.5 + 0.1 * i,
      scores: { happy: 0.7, neutral: 0.3 }, bbox: [1, 2, 3, 4] as [number, number, number, number], trackId: f + 1,
    }))));
    await s.flush();
  });
  after(async () => { await db?.close(); });

  it('highlights: pages walk all in order, min score and range filter', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await listHighlights(db.store.pool, 'h1', { ...highlightsQuery.parse({ limit: 2 }), cursor });
      seen.push(...p.items.map((h) => h.title));
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, ['h0', 'h1', 'h2', 'h3', 'h4']);
    const hi = await listHighlights(db.store.pool, 'h1', highlightsQuery.parse({ minScore: '0.6' }));
    assert.deepEqual(hi.items.map((h) => [h.title, h.clipUri]), [['h3', 'file:///clips/h3.mp4'], ['h4', null]]);
    const ranged = await listHighlights(db.store.pool, 'h1', highlightsQuery.parse({ from: '3', to: '4.5' }));
    assert.deepEqual(ranged.items.map((h) => h.title), ['h1', 'h2'], 'segments overlapping 3–4.5 s');
  });

  it('emotions: per face in (pts, face) order, emotion, track and confidence filters', async () => {
    const all = await listEmotions(db.store.pool, 'h1', emotionsQuery.parse({}));
    assert.deepEqual(all.items.map((e) => [e.t, e.faceIdx]), [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]]);
    assert.deepEqual(all.items[0].scores, { happy: 0.7, neutral: 0.3 });
    assert.equal((await listEmotions(db.store.pool, 'h1', emotionsQuery.parse({ emotion: 'happy' }))).items.length, 3);
    assert.equal((await listEmotions(db.store.pool, 'h1', emotionsQuery.parse({ track: '2' }))).items.every((e) => e.trackId === 2), true);
    assert.equal((await listEmotions(db.store.pool, 'h1', emotionsQuery.parse({ minScore: 0.65 }))).items.length, 2);
    assert.throws(() => emotionsQuery.parse({ track: 'x' }));
  });
});
