/**
 * Classical speaker diarization of one stretch of 16 kHz audio: voice activity (Silero VAD, else energy)
 * → speech cut into short pieces (≈ `pieceS`, so a speaker change inside a region without a pause is
 * still found within half a piece) → one MFCC-statistics embedding per piece → agglomerative clustering
 * (cosine, average linkage) → one re-assignment pass of every piece to the nearest cluster centroid →
 * consecutive pieces of a speaker merged into turns. Each local speaker also gets one embedding (the MFCC
 * statistics over all its frames) that a caller links across windows by cosine similarity.
 */
import { agglomerate, cosine } from './clustering';
import { voicedRegions } from './energy-vad';
import { mfcc, mfccStats, type MfccFrames } from './mfcc';
import { SILERO_FRAME_S, type SileroVad } from './silero-vad';
import { speechRegions, type Region } from './speech-regions';

export interface DiarizeOptions {
  numSpeakers?: number;
  minSpeakers?: number;
  maxSpeakers?: number;
  /** Cosine distance above which two clusters are different speakers. */
  threshold?: number;
  /** Target length of the pieces speech is cut into, seconds. */
  pieceS?: number;
  /** Turns of one speaker closer than this are joined, seconds. */
  mergeGapS?: number;
}

export interface LocalTurn { start: number; end: number; speaker: string }
export interface SpeakerEmbedding { speaker: string; vector: number[] }

export interface DiarizePcmResult {
  segments: LocalTurn[];
  embeddings: SpeakerEmbedding[];
  vad: 'silero' | 'energy';
}

/** Default cosine-distance threshold of the clustering (documented in the README of this folder). */
export const DEFAULT_CLUSTER_THRESHOLD = 0.3;

interface Piece { start: number; end: number; frames: number[]; vector: number[] | null }

export async function diarizePcm(samples: Float32Array, sampleRate: number, vad: SileroVad | null, opts: DiarizeOptions = {}): Promise<DiarizePcmResult> {
  if (sampleRate !== 16000) throw new RangeError(`diarizePcm wants 16 kHz audio, got ${sampleRate} Hz`);
  const durationS = samples.length / sampleRate;
  let regions: Region[];
  if (vad) regions = speechRegions(await vad.probabilities(samples), SILERO_FRAME_S, durationS);
  else regions = voicedRegions(Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768)))), sampleRate);
  const feats = mfcc(samples, { sampleRate });
  const pieces = cutPieces(regions, feats, opts.pieceS ?? 0.5);
  const scored = pieces.filter((p) => p.vector);
  if (!scored.length) return { segments: [], embeddings: [], vad: vad ? 'silero' : 'energy' };

  const fixed = opts.numSpeakers;
  const labels = agglomerate(scored.map((p) => p.vector!), scored.map((p) => p.end - p.start), {
    threshold: opts.threshold ?? DEFAULT_CLUSTER_THRESHOLD,
    ...(fixed !== undefined ? { numClusters: Math.min(fixed, scored.length) } : {}),
    ...(opts.maxSpeakers !== undefined ? { maxClusters: opts.maxSpeakers } : {}),
  });
  let k = Math.max(...labels) + 1;
  if (fixed === undefined && opts.minSpeakers !== undefined && k < opts.minSpeakers && scored.length >= opts.minSpeakers) {
    const again = agglomerate(scored.map((p) => p.vector!), scored.map((p) => p.end - p.start), { threshold: 0, numClusters: opts.minSpeakers });
    labels.splice(0, labels.length, ...again);
    k = opts.minSpeakers;
  }
  // One pass of nearest-centroid re-assignment: AHC's early merges cannot be undone, this can.
  const centroids = Array.from({ length: k }, (_, c) => mfccStats(feats, scored.flatMap((p, i) => (labels[i] === c ? p.frames : []))));
  scored.forEach((p, i) => {
    let best = labels[i]!, bestSim = -Infinity;
    centroids.forEach((c, j) => { const s = cosine(p.vector!, c); if (s > bestSim) { bestSim = s; best = j; } });
    labels[i] = best;
  });
  const labelOf = new Map<Piece, number>(scored.map((p, i) => [p, labels[i]!]));
  // Pieces too short for an embedding take the label of the nearest scored piece in time.
  const all = pieces.map((p) => ({ p, label: labelOf.get(p) ?? nearestLabel(p, scored, labels) }));
  // Speaker names in order of first appearance, only those still used after re-assignment.
  const names = new Map<number, string>();
  for (const { label } of all) if (!names.has(label)) names.set(label, `SPEAKER_${String(names.size).padStart(2, '0')}`);
  const gap = opts.mergeGapS ?? 0.5;
  const segments: LocalTurn[] = [];
  for (const { p, label } of all) {
    const speaker = names.get(label)!;
    const last = segments[segments.length - 1];
    if (last && last.speaker === speaker && p.start - last.end <= gap) last.end = p.end;
    else segments.push({ start: p.start, end: p.end, speaker });
  }
  const embeddings: SpeakerEmbedding[] = [...names].map(([label, speaker]) => ({
    speaker, vector: mfccStats(feats, all.flatMap((x) => (x.label === label ? x.p.frames : []))).map(round6),
  }));
  return { segments: segments.map((s) => ({ ...s, start: round3(s.start), end: round3(s.end) })), embeddings, vad: vad ? 'silero' : 'energy' };
}

/** Cuts each region into ≈pieceS pieces and computes each piece's embedding (null below 0.15 s). */
function cutPieces(regions: Region[], feats: MfccFrames, pieceS: number): Piece[] {
  const out: Piece[] = [];
  for (const r of regions) {
    const n = Math.max(1, Math.round((r.end - r.start) / pieceS));
    const len = (r.end - r.start) / n;
    for (let i = 0; i < n; i++) {
      const start = r.start + i * len, end = start + len;
      const frames: number[] = [];
      const first = Math.max(0, Math.ceil((start - feats.centreS) / feats.hopS));
      for (let f = first; f < feats.frames && f * feats.hopS + feats.centreS < end; f++) frames.push(f);
      out.push({ start, end, frames, vector: frames.length >= 15 ? mfccStats(feats, frames) : null });
    }
  }
  return out;
}

function nearestLabel(p: Piece, scored: Piece[], labels: number[]): number {
  let best = 0, bestD = Infinity;
  scored.forEach((q, i) => { const d = Math.abs((q.start + q.end) / 2 - (p.start + p.end) / 2); if (d < bestD) { bestD = d; best = labels[i]!; } });
  return best;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
