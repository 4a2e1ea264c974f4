/** The soak's arithmetic: least-squares slope and the warm-up split, kept apart so they are easy to check. */
export { quantile } from '../ingest/stats';

/** Least-squares slope of `v` over `t` (ms), per minute; NaN with fewer than two distinct times. */
export function slopePerMin(points: { t: number; v: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.v, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.v - mv), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den > 0 ? (num / den) * 60_000 : NaN;
}

/** Warm-up of a phase: the one asked for, else 2 min, or 20 % of the phase when that is shorter. */
export function warmupMinutes(phaseMinutes: number, asked?: number): number {
  if (asked !== undefined) return asked;
  return Math.min(2, 0.2 * phaseMinutes);
}
