import assert from 'node:assert/strict';
import { RuleEngine, ruleSchema, keywordPattern, alertId, type RuleInput } from '../../src/rules';
import { anchorOf, pointInPolygon, crossesSegment, sideOf } from '../../src/rules/geometry';
import type { AlertMsg, TopicInput } from '../../src/topics';
import { dets, emotions, event, highlight, segment, state, T0, walk } from './helpers';

const S = 'cam-1';
const engine = (r: RuleInput) => new RuleEngine(S, [ruleSchema.parse(r)]);
const run = (e: RuleEngine, inputs: TopicInput[]): AlertMsg[] => inputs.flatMap((i) => e.observe(i));
const ZONE: [number, number][] = [[0.4, 0.4], [0.6, 0.4], [0.6, 0.8], [0.4, 0.8]];

describe('rules: evaluators (pure)', () => {
  it('geometry: point in polygon, sides and segment crossing', () => {
    assert.ok(pointInPolygon([0.5, 0.5], ZONE));
    assert.ok(!pointInPolygon([0.3, 0.5], ZONE));
    assert.ok(!pointInPolygon([0.5, 0.9], ZONE));
    assert.ok(pointInPolygon([0.5, 1], [[0, 0], [1, 0], [1, 1], [0, 1]]), 'a point on the border is inside');
    assert.deepEqual(anchorOf([10, 20, 110, 220], 320, 180), [60 / 320, 1], 'an overhanging box is anchored on the border');
    // Walking east along y = 0.5 on the image, the right-hand side is below (y grows downwards).
    assert.equal(sideOf([0.5, 0.8], [0, 0.5], [1, 0.5]), 1);
    assert.equal(sideOf([0.5, 0.2], [0, 0.5], [1, 0.5]), -1);
    assert.ok(crossesSegment([0.5, 0.2], [0.5, 0.8], [0, 0.5], [1, 0.5]));
    assert.ok(!crossesSegment([1.5, 0.2], [1.5, 0.8], [0, 0.5], [1, 0.5]), 'past the end of the segment is no crossing');
  });

  describe('zone_dwell', () => {
    const rule = { id: 'loiter', kind: 'zone_dwell', polygon: ZONE, dwellS: 5 } as const;

    it('fires once for a track that stays in the zone and never for one that passes through', () => {
      const e = engine(rule);
      const inputs: TopicInput[] = [];
      // Track 1 stands in the zone from 1 s to 12 s; track 2 walks across it (inside ~2 s) at 1..7 s.
      const pass = walk([0.2, 0.6], [0.8, 0.6], 1, 12, 0.5);
      for (let i = 0; i <= 22; i++) {
        const s = 1 + i * 0.5;
        const p = pass.find((x) => Math.abs(x.s - s) < 1e-9);
        inputs.push({ topic: 'detections', msg: dets(S, s, [{ id: 1, at: [0.5, 0.6] }, ...(p ? [{ id: 2, at: p.at }] : [])]) });
      }
      const fired = run(e, inputs);
      assert.equal(fired.length, 1);
      const a = fired[0]!;
      assert.deepEqual([a.rule, a.kind, a.payload.track_id, a.ptsUs, a.payload.entered_s, a.payload.dwell_s], ['loiter', 'zone_dwell', 1, 6_000_000, 1, 5]);
      assert.equal(a.alertId, alertId(S, 'loiter', 1, 1_000_000), 'id: stream, rule, track and entry time');
    });

    it('a lost track (unseen past lostAfterS) or one that steps out starts its time again', () => {
      const e = engine({ ...rule, lostAfterS: 1 });
      const inputs: TopicInput[] = [];
      for (const s of [0, 1, 2, 3]) inputs.push({ topic: 'detections', msg: dets(S, s, [{ id: 3, at: [0.5, 0.5] }]) });
      for (const s of [5, 6, 7, 8]) inputs.push({ topic: 'detections', msg: dets(S, s, [{ id: 3, at: [0.5, 0.5] }]) }); // 2 s gap: lost
      inputs.push({ topic: 'detections', msg: dets(S, 8.5, [{ id: 3, at: [0.9, 0.5] }]) }); // steps out
      for (const s of [9, 10, 11, 12, 13, 14]) inputs.push({ topic: 'detections', msg: dets(S, s, [{ id: 3, at: [0.5, 0.5] }]) });
      const fired = run(e, inputs);
      assert.deepEqual(fired.map((a) => [a.ptsUs / 1e6, a.payload.entered_s]), [[14, 9]]);
    });

    it('watches only its classes and tracked objects, and ignores skipped frames', () => {
      const e = engine({ ...rule, classes: ['car'] });
      const inputs: TopicInput[] = [];
      for (let s = 0; s <= 10; s++) inputs.push({ topic: 'detections', msg: dets(S, s, [{ id: 4, at: [0.5, 0.5], cls: 'person' }]) });
      assert.equal(run(e, inputs).length, 0);
      const skipped = { ...dets(S, 1, []), skipped: 'queue_full' };
      assert.deepEqual(e.observe({ topic: 'detections', msg: skipped }), []);
    });

    it('the same data gives the same ids (a re-run is idempotent)', () => {
      const inputs: TopicInput[] = [0, 1, 2, 3, 4, 5, 6].map((s) => ({ topic: 'detections', msg: dets(S, s, [{ id: 9, at: [0.5, 0.5] }]) }));
      assert.deepEqual(run(engine(rule), inputs).map((a) => a.alertId), run(engine(rule), inputs).map((a) => a.alertId));
    });
  });

  describe('line_crossing', () => {
    const line: [[number, number], [number, number]] = [[0, 0.5], [1, 0.5]];
    const crossing = (id: number, down: boolean, s0: number): TopicInput[] =>
      walk([0.5, down ? 0.3 : 0.7], [0.5, down ? 0.7 : 0.3], s0, 4, 0.25).map((p) => ({ topic: 'detections', msg: dets(S, p.s, [{ id, at: p.at }]) }));

    it('fires on a sign change between consecutive observations, with its direction', () => {
      const fired = run(engine({ id: 'door', kind: 'line_crossing', line }), [...crossing(1, true, 0), ...crossing(2, false, 10)]);
      assert.deepEqual(fired.map((a) => [a.payload.track_id, a.payload.direction]), [[1, 'left_to_right'], [2, 'right_to_left']]);
    });

    it('a direction filter fires one way only', () => {
      const fired = run(engine({ id: 'in', kind: 'line_crossing', line, direction: 'right_to_left' }), [...crossing(1, true, 0), ...crossing(2, false, 10)]);
      assert.deepEqual(fired.map((a) => a.payload.track_id), [2]);
    });

    it('no crossing across a gap longer than lostAfterS, nor past the segment ends', () => {
      const gap: TopicInput[] = [{ topic: 'detections', msg: dets(S, 0, [{ id: 5, at: [0.5, 0.3] }]) }, { topic: 'detections', msg: dets(S, 5, [{ id: 5, at: [0.5, 0.7] }]) }];
      assert.equal(run(engine({ id: 'd', kind: 'line_crossing', line }), gap).length, 0);
      const short: [[number, number], [number, number]] = [[0, 0.5], [0.3, 0.5]];
      assert.equal(run(engine({ id: 'd', kind: 'line_crossing', line: short }), crossing(1, true, 0)).length, 0);
    });
  });

  describe('keyword', () => {
    it('case-insensitive words and phrases on word boundaries, one alert per segment', () => {
      const e = engine({ id: 'kw', kind: 'keyword', words: ['fire', 'call the police'], cooldownS: 0 });
      const fired = run(e, [
        { topic: 'transcripts', msg: segment(S, 0, 'Fire! Call  the Police now') },
        { topic: 'transcripts', msg: segment(S, 3, 'nice fireworks tonight') },
        { topic: 'transcripts', msg: segment(S, 6, 'the campfire is out') },
        { topic: 'transcripts', msg: segment(S, 9, 'FIRE.') },
      ]);
      assert.deepEqual(fired.map((a) => [a.ptsUs / 1e6, a.payload.words]), [[0, ['fire', 'call the police']], [9, ['fire']]]);
      assert.ok(keywordPattern('c++').test('I love C++ a lot'), 'special characters are literal');
    });

    it('cooldownS holds back a second match of the same rule', () => {
      const e = engine({ id: 'kw', kind: 'keyword', words: ['help'], cooldownS: 10 });
      const fired = run(e, [0, 4, 12].map((s) => ({ topic: 'transcripts', msg: segment(S, s, 'help me') } as TopicInput)));
      assert.deepEqual(fired.map((a) => a.ptsUs / 1e6), [0, 12]);
    });
  });

  describe('threshold', () => {
    it('event score, emotion and highlight score at or above min', () => {
      const ev = run(engine({ id: 't', kind: 'threshold', on: 'event_score', min: 0.8, cooldownS: 0 }), [
        { topic: 'events', msg: event(S, 0, 0.79) }, { topic: 'events', msg: event(S, 5, 0.8) }, { topic: 'events', msg: event(S, 10, 0.95) },
      ]);
      assert.deepEqual(ev.map((a) => [a.ptsUs / 1e6, a.payload.score]), [[5, 0.8], [10, 0.95]]);
      const em = run(engine({ id: 'a', kind: 'threshold', on: 'emotion', emotion: 'angry', min: 0.7, cooldownS: 0 }), [
        { topic: 'emotions', msg: emotions(S, 1, [{ angry: 0.2 }, { angry: 0.6 }]) },
        { topic: 'emotions', msg: emotions(S, 2, [{ angry: 0.1 }, { angry: 0.9, track: 4 }]) },
      ]);
      assert.deepEqual(em.map((a) => [a.ptsUs / 1e6, a.payload.score, a.payload.track_id, a.payload.face_idx]), [[2, 0.9, 4, 1]]);
      const hl = run(engine({ id: 'h', kind: 'threshold', on: 'highlight_score', min: 0.5 }), [{ topic: 'highlights', msg: highlight(S, 30, 0.7) }, { topic: 'highlights', msg: highlight(S, 31, 0.2) }]);
      assert.deepEqual(hl.map((a) => [a.payload.title, a.payload.peak_s]), [['goal', 33]]);
    });

    it('an emotion threshold needs its label', () => {
      const r = ruleSchema.safeParse({ id: 'a', kind: 'threshold', on: 'emotion', min: 0.5 });
      assert.ok(!r.success);
      assert.deepEqual(r.error.issues[0]!.path, ['emotion']);
    });
  });

  describe('stream_down', () => {
    it('fires once when reconnecting/failed lasts `seconds`, and not for a shorter outage or a stop', () => {
      const e = engine({ id: 'down', kind: 'stream_down', seconds: 30 });
      const st = (ms: number, s: Parameters<typeof state>[2]): TopicInput => ({ topic: 'state', msg: state(S, T0 + ms, s) });
      assert.deepEqual(run(e, [st(0, 'running'), st(1000, 'reconnecting'), st(20_000, 'running')]), []);
      assert.deepEqual(e.tick(T0 + 60_000), [], 'the short outage ended');
      assert.deepEqual(run(e, [st(100_000, 'reconnecting'), st(110_000, 'failed'), st(111_000, 'starting')]), []);
      assert.deepEqual(e.tick(T0 + 129_000), []);
      const fired = e.tick(T0 + 130_000);
      assert.equal(fired.length, 1);
      assert.deepEqual([fired[0]!.kind, fired[0]!.payload.state, fired[0]!.payload.down_s], ['stream_down', 'failed', 30]);
      assert.equal(fired[0]!.alertId, alertId(S, 'down', T0 + 100_000));
      assert.deepEqual(e.tick(T0 + 200_000), [], 'once per outage');
      assert.deepEqual(run(e, [st(300_000, 'stopped')]), []);
      assert.deepEqual(e.tick(T0 + 400_000), [], 'a stop is no outage');
    });
  });

  it('schema: normalised coordinates, a polygon with area, unique ids, no secrets', () => {
    const bad = ruleSchema.safeParse({ id: 'z', kind: 'zone_dwell', polygon: [[0, 0], [1.5, 0], [1, 1]], dwellS: 3 });
    assert.ok(!bad.success);
    assert.deepEqual(bad.error.issues[0]!.path, ['polygon', 1, 0]);
    const flat = ruleSchema.safeParse({ id: 'z', kind: 'zone_dwell', polygon: [[0, 0], [0.5, 0.5], [1, 1]], dwellS: 3 });
    assert.match(flat.error?.issues[0]?.message ?? '', /no area/);
    const secret = ruleSchema.safeParse({ id: 'k', kind: 'keyword', words: ['x'], actions: { webhooks: [{ url: 'https://h/x', secret: 'abc' }] } });
    assert.ok(!secret.success, 'a secret in the rule itself is refused (secretEnv only)');
    const ok = ruleSchema.parse({ id: 'k', kind: 'keyword', words: ['x'], actions: { webhooks: [{ url: 'https://h/x' }] } });
    assert.equal(ok.actions.webhooks[0]!.secretEnv, 'VIDEO_AGENT_WEBHOOK_SECRET');
  });
});
