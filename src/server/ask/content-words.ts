/**
 * The words of a natural-language question worth searching for. PostgreSQL's english configuration drops
 * its own stop words, but question words like "happen" or "say" survive it and would make an OR query
 * match nearly every transcript line, so they are dropped here too.
 */
const STOP = new Set(`
a about above after again against all also am an and any are aren as at be because been before being below between both but by
can could couldn did didn do does doesn doing don down during each else ever few for from further get got had has have having he her
here hers herself him himself his how i if in into is isn it its itself just let me more most much my myself no nor not now of off on
once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up upon very was wasn we were weren what whats when where which while who whom whose
why will with would you your yours yourself yourselves
anything anyone anybody something someone thing things happen happened happening happens occur occurred say said says saying tell told
talk talked talking mention mentioned show shown showing see seen saw look looked looking please video stream clip moment moments time
`.split(/\s+/).filter(Boolean));

const MAX_WORDS = 16;

/** Distinct lower-case content words of `text`, in order, at most 16 (letters and digits only). */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? []) {
    const w = raw.replace(/'[\p{L}]+$/u, ''); // "driver's" → "driver"
    if (w.length < 2 && !/\d/.test(w)) continue;
    if (STOP.has(w) || out.includes(w)) continue;
    out.push(w);
    if (out.length >= MAX_WORDS) break;
  }
  return out;
}

/** The OR of the words in websearch syntax (`a or b or c`): any one of them matches. */
export function anyWordQuery(words: string[]): string {
  return words.join(' or ');
}
