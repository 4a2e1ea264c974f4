/**
 * Agglomerative hierarchical clustering of L2-normalised embeddings, average linkage on cosine distance:
 * merges the closest pair until the closest is farther than `threshold` (or until `numClusters` remain
 * when the caller knows the number of speakers). Each item carries a weight (its duration), used for the
 * weighted average linkage, so a long stretch of speech counts more than a short one.
 */
export interface ClusterOptions {
  /** Cosine distance (1 − similarity) above which two clusters stay apart. */
  threshold: number;
  /** Exact number of clusters (overrides the threshold when ≤ the item count). */
  numClusters?: number;
  maxClusters?: number;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : 0;
}

/** Cluster label per item, 0..k−1 in order of first appearance. */
export function agglomerate(vectors: number[][], weights: number[], opts: ClusterOptions): number[] {
  const n = vectors.length;
  if (n === 0) return [];
  // Average linkage over item pairs: keep the summed pairwise distance × weights between clusters.
  const members: number[][] = vectors.map((_, i) => [i]);
  const w = [...weights];
  const alive = new Set(members.map((_, i) => i));
  const dist: number[][] = vectors.map((a, i) => vectors.map((b, j) => (i === j ? 0 : (1 - cosine(a, b)) * weights[i]! * weights[j]!)));
  const linkage = (i: number, j: number) => dist[i]![j]! / (w[i]! * w[j]!);
  const target = opts.numClusters !== undefined ? Math.max(1, opts.numClusters) : 1;
  const cap = opts.maxClusters ?? Infinity;
  while (alive.size > target) {
    let best = Infinity, bi = -1, bj = -1;
    const ids = [...alive];
    for (let x = 0; x < ids.length; x++) for (let y = x + 1; y < ids.length; y++) {
      const d = linkage(ids[x]!, ids[y]!);
      if (d < best) { best = d; bi = ids[x]!; bj = ids[y]!; }
    }
    if (opts.numClusters === undefined && best > opts.threshold && alive.size <= cap) break;
    // Merge bj into bi: summed distances add up.
    for (const k of alive) {
      if (k === bi || k === bj) continue;
      dist[bi]![k] = dist[k]![bi] = dist[bi]![k]! + dist[bj]![k]!;
    }
    w[bi] = w[bi]! + w[bj]!;
    members[bi]!.push(...members[bj]!);
    alive.delete(bj);
  }
  const label = new Array<number>(n).fill(-1);
  const order = [...alive].sort((a, b) => Math.min(...members[a]!) - Math.min(...members[b]!));
  order.forEach((c, k) => { for (const i of members[c]!) label[i] = k; });
  return label;
}
