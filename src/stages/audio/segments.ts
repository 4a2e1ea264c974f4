/**
 * Turns one window's ASR reply into transcript segments with absolute media times, keeping only what the
 * window owns (midpoint rule) and splitting at pauses so each segment is a phrase with its own prosody.
 */
import type { RecognisedWord, TranscribeResult } from '../../runpod/inference';
import { ownsSpan, type AudioWindow } from './windowing';

export interface OwnedSegment {
  startUs: number;
  endUs: number;
  text: string;
  confidence: number | null;
  words: { word: string; startUs: number; endUs: number }[];
}

/** A pause longer than this starts a new segment. */
const PAUSE_SPLIT_US = 700_000;

export function ownedSegments(w: AudioWindow, reply: Pick<TranscribeResult, 'words' | 'segments'>): OwnedSegment[] {
  const abs = (s: number) => w.sendStartUs + Math.round(s * 1e6);
  const words = reply.words.filter((x) => isWord(x)).map((x) => ({ ...x, startUs: abs(x.startS), endUs: abs(Math.max(x.endS, x.startS)) }));
  if (words.length) {
    const owned = words.filter((x) => ownsSpan(w, x.startUs, x.endUs)).sort((a, b) => a.startUs - b.startUs);
    const groups: typeof owned[] = [];
    for (const x of owned) {
      const g = groups[groups.length - 1];
      if (g && x.startUs - g[g.length - 1].endUs <= PAUSE_SPLIT_US) g.push(x);
      else groups.push([x]);
    }
    return groups.map((g) => {
      const probs = g.map((x) => x.probability).filter((p): p is number => typeof p === 'number');
      return {
        startUs: g[0].startUs,
        endUs: g[g.length - 1].endUs,
        text: g.map((x) => x.word.trim()).join(' '),
        confidence: probs.length ? probs.reduce((a, b) => a + b, 0) / probs.length : null,
        words: g.map((x) => ({ word: x.word.trim(), startUs: x.startUs, endUs: x.endUs })),
      };
    });
  }
  // No word times: fall back to whole segments, owned by their midpoint.
  return reply.segments
    .map((s) => ({ startUs: abs(s.startS), endUs: abs(Math.max(s.endS, s.startS)), text: s.text.trim(), confidence: s.confidence ?? null, words: [] }))
    .filter((s) => s.text && ownsSpan(w, s.startUs, s.endUs));
}

function isWord(x: RecognisedWord): boolean {
  const t = x.word.trim();
  // pocketsphinx-style fillers and markers are not words.
  return t.length > 0 && !/^(<s>|<\/s>|<sil>|\[.*\]|\(.*\)|\+\+.*\+\+)$/i.test(t);
}
