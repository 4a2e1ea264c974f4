/**
 * `emotions`: the outcome of one frame the emotion stage looked at — its faces (each tied to the person
 * track it sits in, when any) with the dominant emotion and the full score vector — or `skipped` with the
 * reason (endpoint error, breaker open, rate bound…), so consumers can tell "no face" from "not looked at".
 */
import { z } from 'zod';
import { jsonCodec } from './codec';

export interface FaceEmotion {
  /** Position in the frame's face list: with (streamId, ptsUs) the emotions row's key. */
  faceIdx: number;
  /** The person track the face belongs to (null when the face is outside every tracked person). */
  trackId: number | null;
  /** [x1, y1, x2, y2] pixels of the analysed frame. */
  bbox: [number, number, number, number];
  emotion: string;
  confidence: number;
  scores: Record<string, number>;
}

export interface EmotionsMsg {
  streamId: string;
  ptsUs: number;
  ts: number;
  width: number;
  height: number;
  faces: FaceEmotion[];
  skipped: string | null;
  model: string | null;
}

const wire = z.object({
  ts: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  faces: z.array(z.object({
    face_idx: z.number().int().nonnegative(),
    track_id: z.number().int().nullable(),
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    emotion: z.string(),
    confidence: z.number(),
    scores: z.record(z.string(), z.number()),
  })),
  skipped: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
});

export const emotionsCodec = jsonCodec<EmotionsMsg, z.infer<typeof wire>>(
  'emotions', wire,
  (m) => ({
    ts: m.ts, width: m.width, height: m.height,
    faces: m.faces.map((f) => ({ face_idx: f.faceIdx, track_id: f.trackId, bbox: f.bbox, emotion: f.emotion, confidence: f.confidence, scores: f.scores })),
    ...(m.skipped ? { skipped: m.skipped } : {}), model: m.model,
  }),
  (w, streamId, ptsUs) => ({
    streamId, ptsUs, ts: w.ts, width: w.width, height: w.height,
    faces: w.faces.map((f) => ({ faceIdx: f.face_idx, trackId: f.track_id, bbox: f.bbox, emotion: f.emotion, confidence: f.confidence, scores: f.scores })),
    skipped: w.skipped ?? null, model: w.model ?? null,
  }),
);
