import assert from 'node:assert/strict';
import { DEFAULT_SELECT, DEFAULT_WEIGHTS, RunningBaseline, SignalFuser, zToUnit } from '../../src/highlights';

/** Seeded noise so the test is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** RMS in dB of one second of 16 kHz noise at amplitude `amp`. */
function secondDb(rand: () => number, amp: number): number {
  let sum = 0;
  for (let i = 0; i < 16000; i++) { const v = (rand() * 2 - 1) * amp; sum += v * v; }
  return 20 * Math.log10(Math.sqrt(sum / 16000) + 1e-12);
}

describe('highlights: fusing signals into top moments', () => {
  it('arousal is judged against the stream\'s own baseline, not a fixed level', () => {
    const rand = rng(1);
    const quiet = new RunningBaseline();
    const zs: number[] = [];
    for (let t = 0; t < 60; t++) zs.push(quiet.observe(secondDb(rand, t === 40 ? 0.5 : 0.02 * (1 + 0.3 * rand()))));
    assert.ok(zs[40]! > 4, `the loud second stands out: z ${zs[40]}`);
    assert.ok(zs.filter((_, i) => i !== 40).every((z) => z < 3), 'no other second does');
    // A stream that is always that loud has nothing unusual in it.
    const loud = new RunningBaseline();
    const zl: number[] = [];
    for (let t = 0; t < 60; t++) zl.push(loud.observe(secondDb(rand, 0.5 * (1 + 0.3 * rand()))));
    assert.ok(zl.slice(10).every((z) => z < 3), `always loud: max z ${Math.max(...zl.slice(10))}`);
    assert.equal(zToUnit(0.5), 0);
    assert.equal(zToUnit(10), 1);
  });

  it('a planted loud moment and a scene cut each get a highlight covering them, with the reasons', () => {
    const rand = rng(7);
    const fuser = new SignalFuser();
    const base = new RunningBaseline();
    for (let t = 0; t < 120; t++) {
      const db = secondDb(rand, t === 37 ? 0.6 : 0.03 * (1 + 0.3 * rand()));
      fuser.add('arousal', t * 1e6 + 200_000, zToUnit(base.observe(db)));
      // Scene scores: small changes every second, one hard cut at 80.4 s.
      fuser.add('scene', t * 1e6 + 400_000, t === 80 ? 0.95 : 0.05 * rand());
      fuser.add('vlm', t * 1e6, 0.1);
    }
    const hs = fuser.select({ ...DEFAULT_SELECT, topN: 5 });
    const covers = (s: number) => hs.find((h) => h.startUs <= s * 1e6 && h.endUs >= s * 1e6);
    assert.ok(covers(37.2), `a highlight covers the loud moment: ${JSON.stringify(hs)}`);
    assert.ok(covers(80.4), 'a highlight covers the scene cut');
    assert.equal(hs.length, 2, 'nothing else reaches the threshold');
    assert.ok((covers(37.2)!.contributions.arousal ?? 0) > (covers(37.2)!.contributions.scene ?? 0), 'the loud moment was chosen for its arousal');
    assert.ok((covers(80.4)!.contributions.scene ?? 0) > 0.1, 'the cut for its scene change');
    for (const h of hs) {
      const sum = Object.values(h.contributions).reduce((a, v) => a + (v ?? 0), 0);
      assert.ok(Math.abs(sum - h.score) < 1e-9, 'contributions sum to the score');
    }
  });

  it('non-maximum suppression keeps peaks at least minGapS apart and at most topN', () => {
    const f = new SignalFuser();
    for (const [t, v] of [[10, 0.9], [14, 1], [50, 0.8], [90, 0.7], [95, 0.75]] as const) f.add('vlm', t * 1e6, v);
    const two = f.select({ ...DEFAULT_SELECT, topN: 2, minGapS: 20, minScore: 0 });
    assert.deepEqual(two.map((h) => Math.floor(h.peakUs / 1e6)), [14, 50], 'the best two, the 10 s peak suppressed by the 14 s one');
    const all = f.select({ ...DEFAULT_SELECT, topN: 10, minGapS: 20, minScore: 0 });
    assert.deepEqual(all.map((h) => Math.floor(h.peakUs / 1e6)), [14, 50, 95]);
    assert.ok(all.every((h) => h.startUs === h.peakUs - DEFAULT_SELECT.preS * 1e6 && h.endUs === h.peakUs + DEFAULT_SELECT.postS * 1e6));
  });

  it('weights come from config and are checked', () => {
    const onlyKeywords = new SignalFuser({ ...Object.fromEntries(Object.keys(DEFAULT_WEIGHTS).map((k) => [k, 0])), keyword: 1 } as typeof DEFAULT_WEIGHTS);
    onlyKeywords.add('vlm', 5e6, 1);
    onlyKeywords.add('keyword', 30e6, 1);
    assert.deepEqual(onlyKeywords.select({ ...DEFAULT_SELECT, minScore: 0.01 }).map((h) => Math.floor(h.peakUs / 1e6)), [30]);
    assert.throws(() => new SignalFuser({ ...DEFAULT_WEIGHTS, vlm: -1 }), /weight for vlm must be >= 0/);
  });
});
