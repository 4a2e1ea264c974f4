import assert from 'node:assert/strict';
import { VideoAgentError } from '../../src/errors';
import {
  detectionsQuery, eventsQuery, listDetections, listEvents, listStreams, listTranscript, streamExists, transcriptQuery,
  type DetectionItem, type Page,
} from '../../src/results';
import { isoMicros } from '../../src/store/time';
import { BASE_MS, pgliteStore, postgresStore, resultRows, seed, type OpenedStore, type ResultRows } from './fixtures';

const iso = (mediaS: number) => isoMicros(BASE_MS + mediaS * 1000);

/** Every page of a list, following nextCursor; also returns the page sizes. */
async function walk<T>(next: (cursor?: string) => Promise<Page<T>>): Promise<{ items: T[]; sizes: number[] }> {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await next(cursor);
    items.push(...page.items);
    sizes.push(page.items.length);
    if (!page.nextCursor) return { items, sizes };
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

const detKey = (d: { ptsUs: number; classId: number; bbox: number[] }) => `${d.ptsUs}/${d.classId}/${d.bbox.join(',')}`;

for (const [name, open] of [['PostgreSQL', postgresStore], ['PGlite (embedded)', pgliteStore]] as const) describe(`results: lists by media time on ${name}`, function () {
  this.timeout(120_000);
  let db: OpenedStore;
  let rows: ResultRows;
  before(async () => {
    db = await open();
    rows = await seed(db.store, 'cam-a');
    // A second stream with the same media times: never mixed into cam-a's lists.
    await seed(db.store, 'cam-b', { ...resultRows('cam-b'), detections: resultRows('cam-b').detections.slice(0, 5) });
  });
  after(async () => { await db?.close(); });
  const pool = () => db.store.pool;

  it('detections: every row exactly once across small pages, in (pts, det_idx) order, with item fields', async () => {
    const q = detectionsQuery.parse({ limit: '7' });
    const { items, sizes } = await walk((cursor) => listDetections(pool(), 'cam-a', { ...q, cursor }));
    assert.equal(items.length, rows.detections.length);
    assert.equal(new Set(items.map(detKey)).size, rows.detections.length, 'no row twice');
    assert.ok(sizes.slice(0, -1).every((n) => n === 7) && sizes[sizes.length - 1] > 0, `full pages, non-empty last: ${sizes}`);
    assert.deepEqual(items.map((d) => d.ptsUs), rows.detections.map((d) => d.ptsUs));
    const first = rows.detections[0];
    const expected: DetectionItem = {
      ptsUs: first.ptsUs, t: first.ptsUs / 1e6, ts: new Date(first.ts).toISOString(), classId: first.classId, className: first.className,
      confidence: first.confidence, bbox: first.bbox, trackId: first.trackId ?? null,
    };
    assert.deepEqual(items[0], expected);
    assert.equal(items[2].trackId, null);
  });

  it('detections: a range in media seconds, in ISO times, and mixed, all select the same rows', async () => {
    const want = rows.detections.filter((d) => d.ptsUs >= 1_000_000 && d.ptsUs <= 2_000_000).map(detKey);
    assert.ok(want.length > 0 && want.length < rows.detections.length);
    for (const range of [{ from: '1', to: 2 }, { from: iso(1), to: iso(2) }, { from: 1.0, to: iso(2) }, { from: iso(1), to: '2.0' }]) {
      const got = await listDetections(pool(), 'cam-a', detectionsQuery.parse({ ...range, limit: 1000 }));
      assert.deepEqual(got.items.map(detKey), want, JSON.stringify(range));
      assert.equal(got.nextCursor, null);
    }
    const open = await listDetections(pool(), 'cam-a', detectionsQuery.parse({ from: '2.5', limit: 1000 }));
    assert.deepEqual(open.items.map(detKey), rows.detections.filter((d) => d.ptsUs >= 2_500_000).map(detKey));
  });

  it('detections: class, track and min score filters (a stored real 0.7 passes minScore 0.7)', async () => {
    const byClass = await listDetections(pool(), 'cam-a', detectionsQuery.parse({ class: 'bicycle', limit: 1000 }));
    assert.equal(byClass.items.length, rows.detections.filter((d) => d.className === 'bicycle').length);
    assert.ok(byClass.items.every((d) => d.className === 'bicycle'));
    const byTrack = await listDetections(pool(), 'cam-a', detectionsQuery.parse({ track: '1', limit: 1000 }));
    assert.equal(byTrack.items.length, rows.detections.filter((d) => d.trackId === 1).length);
    assert.ok(byTrack.items.every((d) => d.trackId === 1));
    const byScore = await listDetections(pool(), 'cam-a', detectionsQuery.parse({ minScore: '0.7', limit: 1000 }));
    assert.equal(byScore.items.length, rows.detections.filter((d) => d.confidence >= 0.7).length);
    const combined = await listDetections(pool(), 'cam-a', detectionsQuery.parse({ class: 'person', minScore: 0.5, from: 0, to: 0.5, limit: 1000 }));
    assert.deepEqual(combined.items.map(detKey), rows.detections.filter((d) => d.className === 'person' && d.confidence >= 0.5 && d.ptsUs <= 500_000).map(detKey));
  });

  it('a tampered, garbled or foreign cursor is E_BAD_CURSOR (bad_input)', async () => {
    const q = detectionsQuery.parse({ limit: 2 });
    const { nextCursor } = await listDetections(pool(), 'cam-a', q);
    assert.ok(nextCursor);
    const [body, sum] = nextCursor.split('.');
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString().replace(/"k":\[(\d)/, '"k":[9$1')).toString('base64url');
    const transcriptCursor = (await listTranscript(pool(), 'cam-a', transcriptQuery.parse({ limit: 1 }))).nextCursor!;
    for (const cursor of [`${forged}.${sum}`, 'garbage', `${body}.`, '!!!.???', transcriptCursor]) {
      await assert.rejects(listDetections(pool(), 'cam-a', { ...q, cursor }), (e: unknown) => {
        assert.ok(e instanceof VideoAgentError, String(e));
        assert.equal(e.code, 'E_BAD_CURSOR');
        assert.equal(e.kind, 'bad_input');
        return true;
      }, cursor);
    }
  });

  it('transcript: silence left out unless asked; segments overlapping the range; pages walk all', async () => {
    const all = (await listTranscript(pool(), 'cam-a', transcriptQuery.parse({ includeSilence: 'true', limit: 1000 }))).items;
    assert.equal(all.length, rows.audio.length);
    const speech = await walk((cursor) => listTranscript(pool(), 'cam-a', { ...transcriptQuery.parse({ limit: 2 }), cursor }));
    assert.deepEqual(speech.items.map((s) => s.startS), rows.audio.filter((a) => !a.isSilence).map((a) => a.startUs / 1e6));
    const s0 = speech.items[0];
    assert.deepEqual(s0, {
      startS: 0, endS: 1, ts: new Date(BASE_MS).toISOString(), text: 'hello and welcome', confidence: 0.8, speakerId: 'S1', isSilence: false, prosody: { f0Hz: 180.5 },
    });
    // 3.0..3.3 s overlaps the segment 2.0–3.25 (starts before) and 3.25–4.0 (ends after).
    const overlap = (a: { startUs: number; endUs: number }, f: number, t: number) => a.endUs >= f && a.startUs <= t;
    const want = rows.audio.filter((a) => !a.isSilence && overlap(a, 3_000_000, 3_300_000)).map((a) => a.startUs / 1e6);
    assert.deepEqual(want, [2, 3.25]);
    for (const range of [{ from: 3, to: 3.3 }, { from: iso(3), to: iso(3.3) }, { from: '3', to: iso(3.3) }]) {
      const got = await listTranscript(pool(), 'cam-a', transcriptQuery.parse({ ...range }));
      assert.deepEqual(got.items.map((s) => s.startS), want, JSON.stringify(range));
    }
  });

  it('events: overlap range, min score and tag filters, pages walk all', async () => {
    const { items } = await walk((cursor) => listEvents(pool(), 'cam-a', { ...eventsQuery.parse({ limit: 1 }), cursor }));
    assert.equal(items.length, rows.events.length);
    assert.deepEqual(items.map((e) => [e.startS, e.endS]), rows.events.map((e) => [e.startUs / 1e6, e.endUs / 1e6]), 'same start: ordered by end');
    assert.deepEqual(items[1].tags, ['person', 'bike, red', 'quote"d']);
    const tagged = await listEvents(pool(), 'cam-a', eventsQuery.parse({ tag: 'bike, red' }));
    assert.deepEqual(tagged.items.map((e) => e.description), rows.events.filter((e) => e.tags?.includes('bike, red')).map((e) => e.description));
    const scored = await listEvents(pool(), 'cam-a', eventsQuery.parse({ minScore: '0.6' }));
    assert.deepEqual(scored.items.map((e) => e.clipWorthyScore), rows.events.filter((e) => e.clipWorthyScore >= 0.6).map((e) => e.clipWorthyScore));
    const ranged = await listEvents(pool(), 'cam-a', eventsQuery.parse({ from: 3.5, to: iso(5) }));
    assert.deepEqual(ranged.items.map((e) => e.description), rows.events.filter((e) => e.endUs >= 3_500_000 && e.startUs <= 5_000_000).map((e) => e.description));
  });

  it('streams: exists / list, other streams kept apart, an unknown stream lists nothing', async () => {
    assert.equal(await streamExists(pool(), 'cam-a'), true);
    assert.equal(await streamExists(pool(), 'nope'), false);
    const streams = await listStreams(pool());
    assert.deepEqual(streams.map((s) => s.streamId), ['cam-a', 'cam-b']);
    assert.deepEqual(streams[0], { streamId: 'cam-a', source: 'rtsp://cam.local/live', startedAt: new Date(BASE_MS).toISOString(), metadata: { site: 'lab' } });
    assert.equal((await listDetections(pool(), 'cam-b', detectionsQuery.parse({}))).items.length, 5);
    assert.deepEqual(await listDetections(pool(), 'nope', detectionsQuery.parse({})), { items: [], nextCursor: null });
  });
});
