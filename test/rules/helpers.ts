/** Message builders for the rules tests: a 1000×500 frame, tracks moved by their anchor (box bottom centre). */
import type { DetectionsMsg, TranscriptMsg, EventMsg, EmotionsMsg, HighlightMsg, StateMsg } from '../../src/topics';

export const W = 1000, H = 500;
export const T0 = Date.UTC(2026, 11, 2, 10);

/** A detections message at `s` media seconds with tracks whose anchors sit at the given normalised points. */
export function dets(streamId: string, s: number, tracks: { id: number; at: [number, number]; cls?: string }[]): DetectionsMsg {
  const ptsUs = Math.round(s * 1e6);
  return {
    streamId, ptsUs, ts: T0 + ptsUs / 1000, width: W, height: H, skipped: null,
    detections: tracks.map((t) => {
      const x = t.at[0] * W, y = t.at[1] * H;
      return { bbox: [x - 20, y - 80, x + 20, y], confidence: 0.9, classId: 0, className: t.cls ?? 'person', trackId: t.id };
    }),
  };
}

export function segment(streamId: string, s: number, text: string): TranscriptMsg {
  const startUs = Math.round(s * 1e6);
  return { streamId, ptsUs: startUs, ts: T0 + startUs / 1000, startUs, endUs: startUs + 2_000_000, text, confidence: 0.9, isSilence: false, speakerId: null, prosody: null, words: [], model: 'x', skipped: null };
}

export function event(streamId: string, s: number, score: number): EventMsg {
  const startUs = Math.round(s * 1e6);
  return { streamId, ptsUs: startUs, ts: T0 + startUs / 1000, startUs, endUs: startUs + 4_000_000, triggerUs: startUs, description: 'a man runs', tags: ['run'], clipWorthyScore: score, emotions: [], model: 'vlm' };
}

export function emotions(streamId: string, s: number, faces: { angry: number; track?: number }[]): EmotionsMsg {
  const ptsUs = Math.round(s * 1e6);
  return {
    streamId, ptsUs, ts: T0 + ptsUs / 1000, width: W, height: H, skipped: null, model: 'face',
    faces: faces.map((f, i) => ({ faceIdx: i, trackId: f.track ?? null, bbox: [10, 10, 50, 50], emotion: f.angry > 0.5 ? 'angry' : 'neutral', confidence: Math.max(f.angry, 1 - f.angry), scores: { angry: f.angry, neutral: 1 - f.angry } })),
  };
}

export function highlight(streamId: string, s: number, score: number): HighlightMsg {
  const startUs = Math.round(s * 1e6);
  return { streamId, ptsUs: startUs, ts: T0 + startUs / 1000, startUs, endUs: startUs + 6_000_000, peakUs: startUs + 3_000_000, score, contributions: { vlm: score }, title: 'goal', rank: 1 };
}

export function state(streamId: string, ts: number, st: StateMsg['state']): StateMsg {
  return { streamId, ptsUs: 0, ts, state: st, previous: null, reason: st === 'reconnecting' ? 'rtsp timeout' : null, restarts: 0 };
}

/** A track that walks from one point to another in `n` steps of `dt` seconds, starting at `s0`. */
export function walk(from: [number, number], to: [number, number], s0: number, n: number, dt: number): { s: number; at: [number, number] }[] {
  return Array.from({ length: n + 1 }, (_, i) => ({ s: s0 + i * dt, at: [from[0] + ((to[0] - from[0]) * i) / n, from[1] + ((to[1] - from[1]) * i) / n] as [number, number] }));
}
