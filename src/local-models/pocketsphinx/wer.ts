/** Lowercases, strips everything but letters/digits (any script) and splits on whitespace. */
export function normalizeWords(text: string): string[] {
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s]+/gu, ' ').split(/\s+/).filter(Boolean);
}

/**
 * Word error rate: word-level Levenshtein distance (substitutions + deletions + insertions) divided by the
 * number of reference words. Can exceed 1 ("hello world" vs "foo bar baz" = 3/2 = 1.5). An empty reference
 * gives 0 for an empty hypothesis and 1 otherwise (the ratio would be undefined).
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[hyp.length]! / ref.length;
}
