import assert from 'node:assert/strict';
import { assignWithCostLimit, assignWithMissingEdges, solveAssignment } from '../../src/tracking/assignment';

/** Deterministic PRNG so a failure is reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Every partial matching of rows to distinct columns (row -> col or -1). */
function* partialMatchings(rows: number, cols: number, r = 0, used: boolean[] = new Array(cols).fill(false), cur: number[] = []): Generator<number[]> {
  if (r === rows) {
    yield cur.slice();
    return;
  }
  cur.push(-1);
  yield* partialMatchings(rows, cols, r + 1, used, cur);
  cur.pop();
  for (let c = 0; c < cols; c++) {
    if (used[c]) continue;
    used[c] = true;
    cur.push(c);
    yield* partialMatchings(rows, cols, r + 1, used, cur);
    cur.pop();
    used[c] = false;
  }
}

function randomMatrix(next: () => number, rows: number, cols: number, holes = 0): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (next() < holes ? NaN : Math.round(next() * 100) / 100)));
}

describe('tracking/assignment', () => {
  it('solveAssignment equals brute force on random rectangular matrices', () => {
    const next = rng(1);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(next() * 5);
      const cols = 1 + Math.floor(next() * 5);
      const cost = randomMatrix(next, rows, cols);
      const got = solveAssignment(cost);
      assert.equal(got.length, Math.min(rows, cols));
      let best = Infinity;
      for (const m of partialMatchings(rows, cols)) {
        if (m.filter((c) => c >= 0).length !== Math.min(rows, cols)) continue;
        best = Math.min(best, m.reduce((s, c, r) => s + (c >= 0 ? cost[r][c] : 0), 0));
      }
      const total = got.reduce((s, [r, c]) => s + cost[r][c], 0);
      assert.ok(Math.abs(total - best) < 1e-9, `trial ${trial}: ${total} vs brute force ${best}`);
    }
  });

  it('assignWithCostLimit equals brute force with lapjv cost_limit semantics (unmatched side costs limit/2)', () => {
    const next = rng(2);
    for (let trial = 0; trial < 200; trial++) {
      const rows = Math.floor(next() * 5);
      const cols = Math.floor(next() * 5);
      const limit = 0.2 + next() * 0.7;
      const cost = randomMatrix(next, rows, cols);
      const got = assignWithCostLimit(cost, limit, cols);
      const objective = (pairs: [number, number][]) =>
        pairs.reduce((s, [r, c]) => s + cost[r][c], 0) + ((rows - pairs.length) + (cols - pairs.length)) * (limit / 2);
      let best = Infinity;
      for (const m of partialMatchings(rows, cols)) {
        best = Math.min(best, objective(m.flatMap((c, r) => (c >= 0 ? [[r, c] as [number, number]] : []))));
      }
      assert.ok(Math.abs(objective(got.matches) - best) < 1e-9, `trial ${trial}`);
      for (const [r, c] of got.matches) assert.ok(cost[r][c] <= limit);
      assert.equal(got.unmatchedRows.length + got.matches.length, rows);
      assert.equal(got.unmatchedCols.length + got.matches.length, cols);
    }
  });

  it('assignWithMissingEdges maximises valid pairs, then minimises cost (py-motmetrics)', () => {
    const next = rng(3);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(next() * 5);
      const cols = 1 + Math.floor(next() * 5);
      const cost = randomMatrix(next, rows, cols, 0.4);
      const got = assignWithMissingEdges(cost);
      let bestCount = -1;
      let bestCost = Infinity;
      for (const m of partialMatchings(rows, cols)) {
        const pairs = m.flatMap((c, r) => (c >= 0 ? [[r, c]] : []));
        if (pairs.some(([r, c]) => Number.isNaN(cost[r][c]))) continue;
        const total = pairs.reduce((s, [r, c]) => s + cost[r][c], 0);
        if (pairs.length > bestCount || (pairs.length === bestCount && total < bestCost)) {
          bestCount = pairs.length;
          bestCost = total;
        }
      }
      assert.equal(got.matches.length, bestCount, `trial ${trial}`);
      const total = got.matches.reduce((s, [r, c]) => s + cost[r][c], 0);
      assert.ok(Math.abs(total - bestCost) < 1e-9, `trial ${trial}: ${total} vs ${bestCost}`);
    }
  });

  it('handles empty matrices, keeping the column count', () => {
    assert.deepEqual(assignWithCostLimit([], 0.8, 3), { matches: [], unmatchedRows: [], unmatchedCols: [0, 1, 2] });
    assert.deepEqual(assignWithCostLimit([[], []], 0.8, 0), { matches: [], unmatchedRows: [0, 1], unmatchedCols: [] });
    assert.deepEqual(solveAssignment([]), []);
  });
});
