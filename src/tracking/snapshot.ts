/** The tracker's serialised form, validated on restore so a corrupt hand-over fails loudly, not silently. */
import { z } from 'zod';
import { VideoAgentError } from '../errors';
import type { ByteTrackConfig } from './config';
import type { TrackRecord } from './track';

export const SNAPSHOT_VERSION = 1;

const finite = z.number().finite();
const trackSchema = z.object({
  key: z.number().int().positive(),
  trackId: z.number().int().positive().nullable(),
  status: z.enum(['tracked', 'lost']),
  activated: z.boolean(),
  mean: z.array(finite).length(8),
  covariance: z.array(finite).length(64),
  score: finite,
  classId: z.number(),
  className: z.string(),
  startFrame: z.number().int(),
  frameId: z.number().int(),
  trackletLen: z.number().int().nonnegative(),
});

const snapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  config: z.object({
    trackThresh: finite,
    lowThresh: finite,
    newTrackThresh: finite,
    matchThresh: finite,
    secondMatchThresh: finite,
    unconfirmedMatchThresh: finite,
    trackBuffer: z.number().int().nonnegative(),
    frameRate: z.number().positive(),
    fuseScore: z.boolean(),
    perClass: z.boolean(),
  }),
  frameId: z.number().int().nonnegative(),
  nextKey: z.number().int().positive(),
  nextTrackId: z.number().int().positive(),
  tracked: z.array(trackSchema),
  lost: z.array(trackSchema),
});

export interface ByteTrackSnapshot {
  version: typeof SNAPSHOT_VERSION;
  config: ByteTrackConfig;
  frameId: number;
  nextKey: number;
  nextTrackId: number;
  tracked: TrackRecord[];
  lost: TrackRecord[];
}

export function parseSnapshot(value: unknown): ByteTrackSnapshot {
  const r = snapshotSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new VideoAgentError('E_BAD_TRACKER_SNAPSHOT', `invalid tracker snapshot at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data as ByteTrackSnapshot;
}
