/** ByteTrack parameters with the reference implementation's defaults (arXiv 2110.06864, ifzhang/ByteTrack). */
import { z } from 'zod';
import { VideoAgentError } from '../errors';

export const byteTrackConfigSchema = z
  .object({
    /** Detections above this score are "high" (first association, may start tracks). */
    trackThresh: z.number().min(0).max(1).default(0.5),
    /** Detections above this (and not high) are "low": second association only. */
    lowThresh: z.number().min(0).max(1).default(0.1),
    /** Unmatched high detections start a track only above this; reference: trackThresh + 0.1. */
    newTrackThresh: z.number().min(0).max(1).optional(),
    /** Cost gate (1 - IoU, score-fused) of the first association. */
    matchThresh: z.number().min(0).max(1).default(0.8),
    /** Cost gate of the second association (low-score boxes, plain 1 - IoU). */
    secondMatchThresh: z.number().min(0).max(1).default(0.5),
    /** Cost gate for unconfirmed (one-frame) tracks. */
    unconfirmedMatchThresh: z.number().min(0).max(1).default(0.7),
    /** Frames a lost track is kept at 30 fps; scaled by frameRate / 30. */
    trackBuffer: z.number().int().min(0).default(30),
    frameRate: z.number().positive().default(30),
    /** Multiply IoU similarity by the detection score (reference `fuse_score`, off for MOT20). */
    fuseScore: z.boolean().default(true),
    /** Track every class separately: a box is only ever associated with tracks of its own classId. */
    perClass: z.boolean().default(false),
  })
  .strict();

export type ByteTrackConfigInput = z.input<typeof byteTrackConfigSchema>;
export interface ByteTrackConfig extends Required<Omit<z.output<typeof byteTrackConfigSchema>, 'newTrackThresh'>> {
  newTrackThresh: number;
}

export function resolveByteTrackConfig(input: ByteTrackConfigInput = {}): ByteTrackConfig {
  const parsed = byteTrackConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VideoAgentError('E_BAD_TRACKER_CONFIG', `invalid tracker option ${issue.path.join('.') || ''}: ${issue.message}`);
  }
  const c = parsed.data;
  return { ...c, newTrackThresh: c.newTrackThresh ?? Math.min(1, c.trackThresh + 0.1) };
}

/** Frames a lost track survives: int(frame_rate / 30 * track_buffer), as the reference. */
export function maxTimeLost(c: ByteTrackConfig): number {
  return Math.floor((c.frameRate / 30) * c.trackBuffer);
}
