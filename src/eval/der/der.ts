/**
 * Diarization error rate, the standard (NIST md-eval) definition: over the scored time (everything except
 * a collar of ±`collarS` around every reference turn boundary), in each stretch where the speaker counts
 * are constant,
 *   missed    = dur × max(0, Nref − Nhyp)
 *   false al. = dur × max(0, Nhyp − Nref)
 *   confusion = dur × (min(Nref, Nhyp) − Ncorrect)
 * with Ncorrect counted under the one-to-one reference↔hypothesis speaker mapping that maximises the
 * overlapping time (Hungarian assignment, `munkres`), and DER = (missed + FA + confusion) / reference speech
 * time (scored, with overlapped speech counted once per speaker). Overlaps in either side are handled.
 */
// munkres ships CJS with ESM-only typings (see src/tracking/assignment.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { munkres } = require('munkres') as { munkres: (cost: number[][]) => [number, number][] };

export interface RefTurn { speaker: string; start: number; end: number }

export interface DerResult {
  der: number;
  missedS: number;
  falseAlarmS: number;
  confusionS: number;
  /** Scored reference speech, seconds (each speaker counted). */
  totalS: number;
  /** hypothesis speaker → reference speaker. */
  mapping: Record<string, string>;
}

export interface DerOptions {
  /** Seconds excluded on each side of every reference boundary; 0.25 by convention. */
  collarS?: number;
}

export function diarizationErrorRate(reference: RefTurn[], hypothesis: RefTurn[], opts: DerOptions = {}): DerResult {
  const collar = opts.collarS ?? 0.25;
  const ref = bySpeaker(reference);
  const hyp = bySpeaker(hypothesis);
  // Un-scored zones: ±collar around every reference boundary, merged.
  const excluded = union(reference.flatMap((t) => [[t.start - collar, t.start + collar], [t.end - collar, t.end + collar]] as Array<[number, number]>));
  const cuts = new Set<number>();
  for (const list of [...ref.values(), ...hyp.values()]) for (const [a, b] of list) { cuts.add(a); cuts.add(b); }
  for (const [a, b] of excluded) { cuts.add(a); cuts.add(b); }
  const times = [...cuts].sort((a, b) => a - b);
  const refNames = [...ref.keys()];
  const hypNames = [...hyp.keys()];
  const overlap = refNames.map(() => hypNames.map(() => 0));
  interface Piece { dur: number; refs: number[]; hyps: number[] }
  const pieces: Piece[] = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const a = times[i]!, b = times[i + 1]!;
    const mid = (a + b) / 2;
    if (b <= a || inside(excluded, mid)) continue;
    const refs = refNames.flatMap((n, k) => (inside(ref.get(n)!, mid) ? [k] : []));
    const hyps = hypNames.flatMap((n, k) => (inside(hyp.get(n)!, mid) ? [k] : []));
    if (!refs.length && !hyps.length) continue;
    pieces.push({ dur: b - a, refs, hyps });
    for (const r of refs) for (const h of hyps) overlap[r]![h]! += b - a;
  }
  const map = new Map<number, number>(); // hyp index → ref index
  if (refNames.length && hypNames.length) {
    const big = Math.max(0, ...overlap.flat());
    for (const [r, h] of munkres(overlap.map((row) => row.map((v) => big - v)))) if (overlap[r]![h]! > 0) map.set(h, r);
  }
  let missed = 0, fa = 0, conf = 0, total = 0;
  for (const p of pieces) {
    const nr = p.refs.length, nh = p.hyps.length;
    const correct = p.hyps.filter((h) => map.has(h) && p.refs.includes(map.get(h)!)).length;
    total += p.dur * nr;
    missed += p.dur * Math.max(0, nr - nh);
    fa += p.dur * Math.max(0, nh - nr);
    conf += p.dur * (Math.min(nr, nh) - correct);
  }
  const mapping: Record<string, string> = {};
  for (const [h, r] of map) mapping[hypNames[h]!] = refNames[r]!;
  return { der: total > 0 ? (missed + fa + conf) / total : (fa > 0 ? Infinity : 0), missedS: missed, falseAlarmS: fa, confusionS: conf, totalS: total, mapping };
}

function bySpeaker(turns: RefTurn[]): Map<string, Array<[number, number]>> {
  const m = new Map<string, Array<[number, number]>>();
  for (const t of turns) {
    if (!(t.end > t.start)) continue;
    const l = m.get(t.speaker) ?? [];
    l.push([t.start, t.end]);
    m.set(t.speaker, l);
  }
  for (const [k, l] of m) m.set(k, union(l));
  return m;
}

/** Sorted, merged intervals. */
function union(list: Array<[number, number]>): Array<[number, number]> {
  const s = [...list].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function inside(list: Array<[number, number]>, t: number): boolean {
  return list.some(([a, b]) => t >= a && t < b);
}
