import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoAgentError } from '../../src/errors';
import { answerQuestion, citedMoments, contentWords, retrieveMoments, type AskDeps, type Moment } from '../../src/server/ask';
import { openStore, type Store } from '../../src/store/open-store';
import { searchMemory } from '../../src/store/queries';
import type { MemoryChunkRow } from '../../src/store/rows';
import { wallClockMs } from '../../src/store/time';
import { requirePostgres } from '../helpers/services';
import { rig } from '../runpod/helpers';
import { BASE_MS, dropSchema, uniqueSchema } from '../store/helpers';
import { FakeDescribe, ringWithFrames } from './fakes';

const S = 1_000_000;
const chunk = (streamId: string, startS: number, endS: number, kind: string, text: string): MemoryChunkRow => ({
  streamId, ptsUs: startS * S, ts: wallClockMs(BASE_MS, startS * S), startUs: startS * S, endUs: endS * S, kind, text,
});

const CHUNKS: MemoryChunkRow[] = [
  chunk('cam-1', 12, 15.5, 'transcript', 'the referee blew the whistle and the striker scored a goal'),
  chunk('cam-1', 20, 24, 'event', 'a red car parks next to the stadium gate'),
  chunk('cam-1', 40, 42, 'transcript', 'halftime interview with the coach about tactics'),
  chunk('cam-1', 60, 62.5, 'transcript', 'the goalkeeper saved a penalty kick after the whistle'),
  chunk('cam-2', 12, 15.5, 'transcript', 'another camera: a goal was scored here too'),
];

async function seed(store: Store): Promise<void> {
  await store.writeMemoryChunks(CHUNKS);
  await store.flush();
}

describe('server ask: content words', () => {
  it('drops stop words and question words, keeps content words once', () => {
    assert.deepEqual(contentWords('What happened near the gate? Did the red car park near the GATE?'), ['near', 'gate', 'red', 'car', 'park']);
    assert.deepEqual(contentWords("What did the driver's say?"), ['driver']);
    assert.deepEqual(contentWords('what is it?'), []);
  });
});

describe('server ask: citations read back from an answer', () => {
  const m = (startS: number, endS: number): Moment => ({ startUs: startS * S, endUs: endS * S, kind: 'transcript', text: `${startS}`, rank: 1, allWords: true });
  const moments = [m(12, 15.5), m(20, 24), m(40, 42)];
  it('matches labelled ranges, loose ranges and single times, in citing order', () => {
    assert.deepEqual(citedMoments('At [40.0s–42.0s] the coach spoke; earlier, 12 - 15.5 s, a goal.', moments).map((x) => x.startUs), [40 * S, 12 * S]);
    assert.deepEqual(citedMoments('the car arrives at 21s', moments).map((x) => x.startUs), [20 * S]);
    assert.deepEqual(citedMoments('nothing cited, and [90.0s–95.0s] was invented', moments), []);
  });
});

describe('server ask: answerQuestion on PostgreSQL', () => {
  const schema = uniqueSchema('t_ask');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ask-'));
  let store: Store;
  let ring: Awaited<ReturnType<typeof ringWithFrames>>;
  before(async () => {
    store = await openStore({ databaseUrl: await requirePostgres(), schema, dataDir });
    await store.migrateDone;
    await seed(store);
    ring = await ringWithFrames('cam-1', 70);
  });
  after(async () => { await store?.close(); await dropSchema(schema); fs.rmSync(dataDir, { recursive: true, force: true }); });

  const deps = (inference: FakeDescribe, localModel = false): AskDeps => ({ pool: store.pool, inference, frames: ring.ring, localModel });

  it('sends the matching excerpts with their time ranges and the frames of those moments; cites what the answer cites', async () => {
    const fake = new FakeDescribe('The striker scored a goal right after the whistle [12.0s–15.5s].');
    const res = await answerQuestion(deps(fake), { streamId: 'cam-1', question: 'Who scored the goal?' });
    const text = fake.userText();
    assert.match(text, /Question: Who scored the goal\?/);
    assert.ok(text.includes('[12.0s–15.5s] transcript: the referee blew the whistle and the striker scored a goal'), text);
    assert.ok(!text.includes('another camera'), 'another stream\'s memory never reaches the prompt');
    // The frame nearest the middle of 12–15.5 s is the one at 14 s.
    const expected = `data:image/jpeg;base64,${ring.frames[14]!.jpeg.toString('base64')}`;
    assert.deepEqual(fake.imageUrls(), [expected]);
    assert.equal(res.framesUsed, 1);
    assert.match(JSON.stringify(fake.messages()[0]), /cite the time range/i, 'the system prompt asks for cited ranges');
    assert.equal(fake.calls[0]!.opts?.streamId, 'cam-1', 'the call is billed to the stream');
    assert.deepEqual(res.citations, [{ startS: 12, endS: 15.5, kind: 'transcript', text: 'the referee blew the whistle and the striker scored a goal' }]);
    assert.equal(res.answer, 'The striker scored a goal right after the whistle [12.0s–15.5s].');
    assert.equal(res.local, false);
    assert.equal(res.model, 'fake-vlm');
    assert.equal(res.retrieval, 'all-words');
    assert.equal(res.note, undefined);
  });

  it('finds a chunk through the OR of content words when the AND of the question matches nothing', async () => {
    const question = 'Which vehicle was parked near the gate?';
    assert.equal((await searchMemory(store.pool, question, { streamId: 'cam-1' })).length, 0, 'the AND (websearch) query alone finds nothing');
    const r = await retrieveMoments(store.pool, { streamId: 'cam-1', question, limit: 4 });
    assert.equal(r.strategy, 'any-word');
    assert.deepEqual(r.moments.map((m) => m.text), ['a red car parks next to the stadium gate']);
    const fake = new FakeDescribe('A red car [20.0s–24.0s].');
    const res = await answerQuestion(deps(fake), { streamId: 'cam-1', question });
    assert.deepEqual(res.citations.map((c) => [c.startS, c.endS, c.kind]), [[20, 24, 'event']]);
    assert.ok(fake.userText().includes('[20.0s–24.0s] event: a red car parks'));
  });

  it('the time window limits what is retrieved, and what is sent', async () => {
    const all = await retrieveMoments(store.pool, { streamId: 'cam-1', question: 'whistle', limit: 4 });
    assert.deepEqual(all.moments.map((m) => m.startUs).sort((a, b) => a - b), [12 * S, 60 * S]);
    const fake = new FakeDescribe('no range cited');
    const res = await answerQuestion(deps(fake), { streamId: 'cam-1', question: 'when was the whistle blown?', fromUs: 30 * S, toUs: 70 * S });
    assert.deepEqual(res.citations.map((c) => c.startS), [60], 'cites none: every retrieved moment, all inside the window');
    assert.match(res.note ?? '', /cites no time range/);
    assert.ok(!fake.userText().includes('referee'), 'the chunk outside the window is not sent');
    // A moment overlapping the window's edge counts (61 s is inside 60–62.5 s).
    const edge = await retrieveMoments(store.pool, { streamId: 'cam-1', question: 'whistle', fromUs: 61 * S, toUs: 90 * S, limit: 4 });
    assert.deepEqual(edge.moments.map((m) => m.startUs), [60 * S]);
  });

  it('maxMoments bounds the excerpts and the images', async () => {
    const fake = new FakeDescribe('see [12.0s–15.5s] and [60.0s–62.5s]');
    const res = await answerQuestion(deps(fake), { streamId: 'cam-1', question: 'goal whistle car coach', maxMoments: 2 });
    assert.equal(fake.imageUrls().length, 2);
    assert.equal(res.framesUsed, 2);
    assert.equal(fake.userText().split('\n').filter((l) => /^\[\d/.test(l)).length, 2);
  });

  it('falls back to the most recent moments of the window when nothing matches, and says so', async () => {
    const fake = new FakeDescribe('I cannot tell.');
    const res = await answerQuestion(deps(fake), { streamId: 'cam-1', question: 'zebra unicorn', toUs: 45 * S, maxMoments: 2 });
    assert.equal(res.retrieval, 'recent');
    assert.deepEqual(res.citations.map((c) => c.startS), [40, 20], 'newest first, within the window');
    assert.match(res.note ?? '', /no stored transcript or event matches/);
  });

  it('labels an answer of the local captioner as such and makes it extractive', async () => {
    const caption = JSON.stringify({ description: 'Rule-based summary (no vision model): no objects detected.', clip_worthy_score: 0.1, tags: [], emotions: [] });
    const res = await answerQuestion(deps(new FakeDescribe(caption, 'local-rule-captioner'), true), { streamId: 'cam-1', question: 'Which vehicle was parked near the gate?' });
    assert.equal(res.local, true);
    assert.match(res.note ?? '', /local rule-based captioner, not a VLM/);
    assert.match(res.answer, /^Extractive answer \(no VLM\).*\[20\.0s–24\.0s\] event: "a red car parks next to the stadium gate"/);
    assert.match(res.answer, /Rule-based summary/);
    assert.deepEqual(res.citations.map((c) => c.startS), [20]);
  });

  it('refuses an empty question with bad_input before any call', async () => {
    const fake = new FakeDescribe('x');
    for (const question of ['', '   ']) {
      await assert.rejects(answerQuestion(deps(fake), { streamId: 'cam-1', question }), (e: unknown) => e instanceof VideoAgentError && e.kind === 'bad_input' && /question/.test(e.message));
    }
    await assert.rejects(answerQuestion(deps(fake), { streamId: 'cam-1', question: 'goal', fromUs: 10 * S, toUs: 5 * S }), (e: unknown) => e instanceof VideoAgentError && e.kind === 'bad_input' && /fromUs/.test(e.message));
    assert.equal(fake.calls.length, 0);
  });

  it('an endpoint failure propagates as the client\'s own typed error', async () => {
    const err = new VideoAgentError('E_BREAKER_OPEN', 'vlm: every endpoint has its circuit open', { kind: 'breaker_open' });
    await assert.rejects(answerQuestion(deps(new FakeDescribe(err)), { streamId: 'cam-1', question: 'goal' }), (e: unknown) => e === err);
  });

  it('an empty VLM reply is a bad_reply, not an empty answer', async () => {
    await assert.rejects(answerQuestion(deps(new FakeDescribe('  ')), { streamId: 'cam-1', question: 'goal' }), (e: unknown) => e instanceof VideoAgentError && e.kind === 'bad_reply');
  });

  it('with no memory and no frame in the window it answers without calling the VLM', async () => {
    const fake = new FakeDescribe('x');
    const res = await answerQuestion(deps(fake), { streamId: 'cam-9', question: 'goal' });
    assert.equal(fake.calls.length, 0);
    assert.equal(res.retrieval, 'none');
    assert.deepEqual(res.citations, []);
  });

  it('through the real local emulator (rule-based captioner): a non-empty, labelled answer', async () => {
    const saved = process.env.VLM_BASE_URL;
    delete process.env.VLM_BASE_URL; // the captioner would forward to a real VLM server instead
    const r = await rig({ endpoints: { vlm: { backend: 'vlm' } } });
    try {
      const res = await answerQuestion({ pool: store.pool, inference: r.inference, frames: ring.ring, localModel: true }, { streamId: 'cam-1', question: 'Who scored the goal?' });
      assert.equal(res.model, 'local-rule-captioner');
      assert.equal(res.local, true);
      assert.match(res.note ?? '', /rule-based captioner, not a VLM/);
      assert.match(res.answer, /\[12\.0s–15\.5s\] transcript: "the referee blew the whistle and the striker scored a goal"/);
      assert.match(res.answer, /Rule-based summary \(no vision model\)/, 'the captioner\'s own output is part of it');
      assert.equal(res.framesUsed, 1);
      assert.deepEqual(res.citations.map((c) => [c.startS, c.endS]), [[12, 15.5]]);
    } finally {
      await r.close();
      if (saved !== undefined) process.env.VLM_BASE_URL = saved;
    }
  });
});

describe('server ask: retrieval on the embedded database (PGlite)', function () {
  this.timeout(120_000);
  it('the AND, the OR fallback and the window work there too', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ask-pglite-'));
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    let store: Store | undefined;
    try {
      store = await openStore({ dataDir });
      assert.equal(store.kind, 'pglite');
      await store.migrateDone;
      await seed(store);
      const and = await retrieveMoments(store.pool, { streamId: 'cam-1', question: 'Who scored the goal?', limit: 4 });
      assert.equal(and.strategy, 'all-words');
      assert.deepEqual(and.moments.map((m) => m.startUs), [12 * S]);
      const or = await retrieveMoments(store.pool, { streamId: 'cam-1', question: 'Which vehicle was parked near the gate?', limit: 4 });
      assert.deepEqual([or.strategy, or.moments.map((m) => m.startUs)], ['any-word', [20 * S]]);
      const win = await retrieveMoments(store.pool, { streamId: 'cam-1', question: 'whistle', fromUs: 30 * S, limit: 4 });
      assert.deepEqual(win.moments.map((m) => m.startUs), [60 * S]);
      const fake = new FakeDescribe('It was the striker [12.0s–15.5s].');
      const res = await answerQuestion({ pool: store.pool, inference: fake, frames: { nearest: () => null }, localModel: false }, { streamId: 'cam-1', question: 'Who scored the goal?' });
      assert.deepEqual(res.citations.map((c) => c.startS), [12]);
      assert.equal(res.framesUsed, 0);
    } finally {
      await store?.close();
      if (saved !== undefined) process.env.DATABASE_URL = saved;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
