/**
 * Links the local speakers of consecutive diarization windows to stream-wide speakers (`S1`, `S2`, …) by
 * online clustering: each local speaker (longest first) joins the most similar existing speaker whose
 * centroid is at least `threshold` cosine-similar and not yet taken in this window, else starts a new one.
 * Centroids are duration-weighted running means of the embeddings (L2-normalised), so a speaker's
 * identity firms up as they talk. The whole state is plain JSON, handed over between workers.
 */
export interface StreamSpeaker {
  id: string;
  centroid: number[];
  /** Seconds of speech that built the centroid. */
  weightS: number;
}

export interface LinkerState {
  speakers: StreamSpeaker[];
  /** Local labels of endpoints without embeddings → stream id (best effort: labels are per window). */
  byLabel: Record<string, string>;
}

export interface LocalSpeaker {
  label: string;
  vector: number[] | null;
  durationS: number;
}

export interface Link { id: string; similarity: number | null }

export class SpeakerLinker {
  private readonly s: LinkerState;

  constructor(private readonly threshold: number, state?: LinkerState | null) {
    this.s = state ? structuredClone(state) : { speakers: [], byLabel: {} };
  }

  /** Stream speaker per local label. */
  link(local: LocalSpeaker[]): Map<string, Link> {
    const out = new Map<string, Link>();
    const taken = new Set<string>();
    for (const l of [...local].sort((a, b) => b.durationS - a.durationS)) {
      if (!l.vector || !l.vector.length) {
        const id = this.s.byLabel[l.label] ?? this.create(null, 0);
        this.s.byLabel[l.label] = id;
        out.set(l.label, { id, similarity: null });
        continue;
      }
      let best: StreamSpeaker | null = null, bestSim = -Infinity;
      for (const sp of this.s.speakers) {
        if (taken.has(sp.id) || sp.centroid.length !== l.vector.length) continue;
        const sim = cosine(sp.centroid, l.vector);
        if (sim > bestSim) { bestSim = sim; best = sp; }
      }
      if (best && bestSim >= this.threshold) {
        const w = Math.max(l.durationS, 1e-3);
        best.centroid = normalize(best.centroid.map((v, i) => v * best!.weightS + l.vector![i]! * w));
        best.weightS += w;
        taken.add(best.id);
        out.set(l.label, { id: best.id, similarity: round(bestSim) });
      } else {
        const id = this.create(normalize(l.vector), l.durationS);
        taken.add(id);
        out.set(l.label, { id, similarity: null });
      }
    }
    return out;
  }

  state(): LinkerState { return structuredClone(this.s); }

  get count(): number { return this.s.speakers.length; }

  private create(centroid: number[] | null, weightS: number): string {
    const used = new Set([...this.s.speakers.map((x) => x.id), ...Object.values(this.s.byLabel)]);
    let n = used.size + 1;
    while (used.has(`S${n}`)) n++;
    const id = `S${n}`;
    if (centroid) this.s.speakers.push({ id, centroid, weightS: Math.max(weightS, 1e-3) });
    return id;
  }
}

export function cosine(a: number[], b: number[]): number {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : 0;
}

function normalize(v: number[]): number[] {
  const n = Math.hypot(...v);
  return n > 0 ? v.map((x) => x / n) : v;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
