import type { TimeBound } from './schemas';
import type { SqlParams } from './sql-params';

/**
 * How a table's rows sit in time: `point` rows have one media time (pts_us, e.g. a detection); `segment` rows
 * span start_us..end_us with ts at the start (audio segments, events, memory chunks).
 */
export type TimeSpan = 'point' | 'segment';

export interface TimeRange { from?: TimeBound; to?: TimeBound }

/**
 * SQL conditions (ANDed by the caller) for an inclusive range. Media bounds compare media microseconds, wall
 * bounds compare ts; each bound is handled on its own, so from-as-seconds with to-as-ISO works. A segment
 * matches when it overlaps the range; its wall-clock end is ts + its duration.
 * `alias` prefixes the columns (e.g. 'm.').
 */
export function timeRangeConditions(range: TimeRange, span: TimeSpan, p: SqlParams, alias = ''): string[] {
  const c = (col: string) => `${alias}${col}`;
  const out: string[] = [];
  const startUs = span === 'point' ? c('pts_us') : c('start_us');
  const endUs = span === 'point' ? c('pts_us') : c('end_us');
  const endTs = span === 'point' ? c('ts') : `(${c('ts')} + (${c('end_us')} - ${c('start_us')}) * interval '1 microsecond')`;
  if (range.from) {
    out.push(range.from.kind === 'media' ? `${endUs} >= ${p.add(range.from.us, 'bigint')}` : `${endTs} >= ${p.add(range.from.iso, 'timestamptz')}`);
  }
  if (range.to) {
    out.push(range.to.kind === 'media' ? `${startUs} <= ${p.add(range.to.us, 'bigint')}` : `${c('ts')} <= ${p.add(range.to.iso, 'timestamptz')}`);
  }
  return out;
}
