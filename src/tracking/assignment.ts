/**
 * Linear assignment on top of the `munkres` package (a maintained O(n^3) Hungarian solver for rectangular
 * matrices), with the two gating conventions the trackers and metrics need:
 *  - ByteTrack's `lap.lapjv(cost, extend_cost=True, cost_limit=t)`: leaving a row or column unmatched costs
 *    t/2, so a pair is only matched when that beats leaving both sides open.
 *  - py-motmetrics' `linear_sum_assignment` with missing edges (NaN/Infinity): maximum number of valid
 *    pairs first, minimum total cost among those.
 */
// munkres ships a CJS build, but its typings are ESM-only (package "type": "module"), which a Node16 CJS
// project cannot `import`; require the CJS entry with the one signature used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { munkres } = require('munkres') as { munkres: (cost: number[][]) => [number, number][] };

export type Pair = [row: number, col: number];

export interface AssignmentResult {
  matches: Pair[];
  unmatchedRows: number[];
  unmatchedCols: number[];
}

function colCount(cost: readonly (readonly number[])[]): number {
  return cost.length === 0 ? 0 : cost[0].length;
}

/** Minimum-cost assignment of a finite rectangular matrix: min(rows, cols) pairs. */
export function solveAssignment(cost: readonly (readonly number[])[]): Pair[] {
  const rows = cost.length;
  const cols = colCount(cost);
  if (rows === 0 || cols === 0) return [];
  for (const row of cost) {
    if (row.length !== cols) throw new Error('assignment: ragged cost matrix');
    for (const v of row) if (!Number.isFinite(v)) throw new Error('assignment: cost matrix must be finite');
  }
  return munkres(cost as number[][]).map(([r, c]) => [r, c] as Pair);
}

function result(rows: number, cols: number, matches: Pair[]): AssignmentResult {
  const rowUsed = new Array<boolean>(rows).fill(false);
  const colUsed = new Array<boolean>(cols).fill(false);
  for (const [r, c] of matches) {
    rowUsed[r] = true;
    colUsed[c] = true;
  }
  matches.sort((a, b) => a[0] - b[0]);
  return {
    matches,
    unmatchedRows: rowUsed.flatMap((u, i) => (u ? [] : [i])),
    unmatchedCols: colUsed.flatMap((u, i) => (u ? [] : [i])),
  };
}

/**
 * Gated assignment with lapjv's `extend_cost` + `cost_limit` semantics: the matrix is extended to
 * (rows+cols)² where every row/column may instead take a dummy partner at `limit / 2`, so the optimum
 * never pairs anything costing more than `limit`.
 */
export function assignWithCostLimit(
  cost: readonly (readonly number[])[],
  limit: number,
  /** Column count, needed when there are no rows (an empty matrix cannot tell). */
  cols: number = colCount(cost),
): AssignmentResult {
  const rows = cost.length;
  if (rows === 0 || cols === 0) return result(rows, cols, []);
  // A row or column with no entry within the limit can never be matched (pairing it costs more than leaving
  // both sides open), so solve only the rest: same optimum, much smaller matrix in crowded frames.
  const liveRows: number[] = [];
  const colLive = new Array<boolean>(cols).fill(false);
  for (let i = 0; i < rows; i++) {
    let any = false;
    for (let j = 0; j < cols; j++) {
      if (cost[i][j] <= limit) {
        any = true;
        colLive[j] = true;
      }
    }
    if (any) liveRows.push(i);
  }
  const liveCols = colLive.flatMap((live, j) => (live ? [j] : []));
  const r = liveRows.length;
  const c = liveCols.length;
  if (r === 0) return result(rows, cols, []);
  const n = r + c;
  const half = limit / 2;
  const ext: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n);
    for (let j = 0; j < n; j++) {
      if (i < r && j < c) row[j] = cost[liveRows[i]][liveCols[j]];
      else if (i >= r && j >= c) row[j] = 0;
      else row[j] = half;
    }
    ext.push(row);
  }
  const matches = solveAssignment(ext)
    .filter(([i, j]) => i < r && j < c)
    .map(([i, j]) => [liveRows[i], liveCols[j]] as Pair)
    .filter(([i, j]) => cost[i][j] <= limit);
  return result(rows, cols, matches);
}

/**
 * Assignment where non-finite entries are missing edges (py-motmetrics `lsa_solve_*` + `add_expensive_edges`):
 * missing edges get a cost so large that using one is worse than any all-valid alternative, then pairs on
 * missing edges are dropped.
 */
export function assignWithMissingEdges(cost: readonly (readonly number[])[], cols: number = colCount(cost)): AssignmentResult {
  const rows = cost.length;
  if (rows === 0 || cols === 0) return result(rows, cols, []);
  let maxAbs = -Infinity;
  for (const row of cost) for (const v of row) if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
  if (maxAbs === -Infinity) return result(rows, cols, []);
  const r = Math.min(rows, cols);
  const large = 2 * r * (maxAbs + 1) + 1;
  const finite = cost.map((row) => row.map((v) => (Number.isFinite(v) ? v : large)));
  const matches = solveAssignment(finite).filter(([i, j]) => Number.isFinite(cost[i][j]));
  return result(rows, cols, matches);
}
