import assert from 'node:assert/strict';
import { SNIPPET_START, SNIPPET_STOP, searchQuery, searchText } from '../../src/results';
import { isoMicros } from '../../src/store/time';
import { BASE_MS, pgliteStore, postgresStore, seed, type OpenedStore, type ResultRows } from './fixtures';

const mark = (word: string) => `${SNIPPET_START}${word}${SNIPPET_STOP}`;

for (const [name, open] of [['PostgreSQL', postgresStore], ['PGlite (embedded)', pgliteStore]] as const) {
  describe(`results: full-text search on ${name}`, function () {
    this.timeout(120_000);
    let db: OpenedStore;
    let rows: ResultRows;
    before(async () => {
      db = await open();
      rows = await seed(db.store, 'cam-a');
      await seed(db.store, 'cam-b');
    });
    after(async () => { await db?.close(); });
    const search = (q: Record<string, unknown>) => searchText(db.store.pool, searchQuery.parse(q));

    it('finds a spoken word (stemmed) in the transcript with a marked snippet and the time range', async () => {
      const hits = await search({ q: 'zebras', stream: 'cam-a' });
      assert.equal(hits.length, 1);
      const chunk = rows.memory[0];
      assert.deepEqual({ ...hits[0], rank: undefined, snippet: undefined }, {
        streamId: 'cam-a', kind: 'transcript', startS: chunk.startUs / 1e6, endS: chunk.endUs / 1e6, ts: new Date(chunk.ts).toISOString(), rank: undefined, snippet: undefined,
      });
      assert.ok(hits[0].snippet.includes(mark('zebra')), hits[0].snippet);
      assert.ok(hits[0].rank > 0);
    });

    it('finds an event description (events without a memory chunk), once per event, best first', async () => {
      const hits = await search({ q: 'giraffe', stream: 'cam-a' });
      const giraffe = rows.events.find((e) => e.description.includes('giraffe'))!;
      assert.deepEqual(hits.map((h) => [h.kind, h.startS, h.endS]), [['event', giraffe.startUs / 1e6, giraffe.endUs / 1e6]]);
      assert.ok(hits[0].snippet.includes(mark('giraffe')), hits[0].snippet);
      // An event mirrored into memory_chunks (kind 'event') is found once, not twice.
      await db.store.writeMemoryChunks([{ streamId: 'cam-a', ptsUs: giraffe.ptsUs, ts: giraffe.ts, startUs: giraffe.startUs, endUs: giraffe.endUs, kind: 'event', text: giraffe.description }]);
      await db.store.flush();
      assert.equal((await search({ q: 'giraffe', stream: 'cam-a' })).length, 1);
      const cyclist = await search({ q: 'cyclist', stream: 'cam-a' });
      assert.equal(cyclist.length, rows.events.filter((e) => /cyclist/.test(e.description)).length);
      assert.ok(cyclist[0].rank >= cyclist[1].rank);
    });

    it('all streams unless one is named; time range (seconds or ISO) and limit apply; web-search syntax', async () => {
      assert.deepEqual((await search({ q: 'zebra' })).map((h) => h.streamId).sort(), ['cam-a', 'cam-b']);
      assert.equal((await search({ q: 'zebra', limit: '1' })).length, 1);
      assert.equal((await search({ q: 'cyclist', stream: 'cam-a', from: 3.5 })).length, 1, 'only "the cyclist stops" reaches past 3.5 s');
      assert.equal((await search({ q: 'cyclist', stream: 'cam-a', from: isoMicros(BASE_MS + 3500) })).length, 1);
      assert.equal((await search({ q: 'cyclist', stream: 'cam-a', to: 0.5 })).length, 0);
      assert.equal((await search({ q: '"red bicycle" -walks', stream: 'cam-a' })).length, 1);
      assert.deepEqual(await search({ q: 'the', stream: 'cam-a' }), [], 'stop words only: no hits, no error');
      assert.deepEqual(await search({ q: 'xylophone' }), []);
    });
  });
}
