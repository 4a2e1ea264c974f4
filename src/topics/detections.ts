/**
 * `detections`: the outcome of one frame, exactly one message per frame the detection stage accepted:
 * its objects with track ids, or `skipped` with the reason (so consumers can tell "nothing there" from
 * "not looked at", and know how far detection has got).
 */
import { z } from 'zod';
import { jsonCodec } from './codec';

export interface DetectedObject {
  /** [x1, y1, x2, y2] pixels of the analysed frame. */
  bbox: [number, number, number, number];
  confidence: number;
  classId: number;
  className: string;
  trackId: number | null;
}

export interface DetectionsMsg {
  streamId: string;
  ptsUs: number;
  ts: number;
  width: number;
  height: number;
  detections: DetectedObject[];
  /** Set when the frame was not analysed (endpoint error, breaker open, queue full…). */
  skipped: string | null;
}

const wire = z.object({
  ts: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  detections: z.array(z.object({
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    confidence: z.number(),
    class_id: z.number().int(),
    class_name: z.string(),
    track_id: z.number().int().nullable(),
  })),
  skipped: z.string().nullable().optional(),
});

export const detectionsCodec = jsonCodec<DetectionsMsg, z.infer<typeof wire>>(
  'detections', wire,
  (m) => ({
    ts: m.ts, width: m.width, height: m.height,
    detections: m.detections.map((d) => ({ bbox: d.bbox, confidence: d.confidence, class_id: d.classId, class_name: d.className, track_id: d.trackId })),
    ...(m.skipped ? { skipped: m.skipped } : {}),
  }),
  (w, streamId, ptsUs) => ({
    streamId, ptsUs, ts: w.ts, width: w.width, height: w.height,
    detections: w.detections.map((d) => ({ bbox: d.bbox, confidence: d.confidence, classId: d.class_id, className: d.class_name, trackId: d.track_id })),
    skipped: w.skipped ?? null,
  }),
);
