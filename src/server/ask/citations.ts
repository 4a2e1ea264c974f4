/**
 * Which retrieved moments an answer cites, in the order it first cites them. Models copy the labels
 * (`[12.0s–15.5s]`) but also write `12–15.5 s`, `12.0s - 15.5s` or a single time (`at 13s`): ranges match a
 * moment with the same bounds (±0.1 s), else every moment they overlap; a single time matches the moments
 * containing it. Ranges that match no retrieved moment (invented ones) are ignored.
 */
import type { Moment } from './retrieve';

const RANGE = /(\d+(?:\.\d+)?)\s*s?\s*(?:–|—|-|to)\s*(\d+(?:\.\d+)?)\s*s(?![a-z])/gi;
const SINGLE = /(\d+(?:\.\d+)?)\s*s(?![a-z])/gi;
const TOLERANCE_S = 0.1;

interface Mention { at: number; startS: number; endS: number; range: boolean }

function mentions(answer: string): Mention[] {
  const out: Mention[] = [];
  // Ranges are read first and blanked out so their bounds are not read again as single times.
  const masked = answer.replace(RANGE, (whole, a: string, b: string, offset: number) => {
    out.push({ at: offset, startS: Math.min(Number(a), Number(b)), endS: Math.max(Number(a), Number(b)), range: true });
    return ' '.repeat(whole.length);
  });
  for (const m of masked.matchAll(SINGLE)) out.push({ at: m.index ?? 0, startS: Number(m[1]), endS: Number(m[1]), range: false });
  return out.sort((x, y) => x.at - y.at);
}

export function citedMoments(answer: string, moments: Moment[]): Moment[] {
  const cited: Moment[] = [];
  const add = (m: Moment) => { if (!cited.includes(m)) cited.push(m); };
  for (const c of mentions(answer)) {
    const s = (m: Moment) => m.startUs / 1e6, e = (m: Moment) => m.endUs / 1e6;
    if (c.range) {
      const exact = moments.filter((m) => Math.abs(s(m) - c.startS) <= TOLERANCE_S && Math.abs(e(m) - c.endS) <= TOLERANCE_S);
      (exact.length ? exact : moments.filter((m) => s(m) <= c.endS + TOLERANCE_S && e(m) >= c.startS - TOLERANCE_S)).forEach(add);
    } else {
      moments.filter((m) => s(m) - TOLERANCE_S <= c.startS && c.startS <= e(m) + TOLERANCE_S).forEach(add);
    }
  }
  return cited;
}
