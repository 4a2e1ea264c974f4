import type { Pool } from 'pg';
import { iso, keysetPage, seconds, type ListSpec } from './keyset-page';
import type { DetectionItem, DetectionsQuery, Page } from './schemas';

export const detectionsList: ListSpec<DetectionItem> = {
  table: 'detections',
  columns: 'pts_us, det_idx, ts, class_id, class_name, confidence, bbox, track_id',
  keys: [{ column: 'pts_us', sqlType: 'bigint' }, { column: 'det_idx', sqlType: 'integer' }],
  span: 'point',
  toItem: (r) => ({
    ptsUs: Number(r.pts_us), t: seconds(r.pts_us), ts: iso(r.ts), classId: r.class_id as number, className: r.class_name as string,
    confidence: r.confidence as number, bbox: r.bbox as DetectionItem['bbox'], trackId: (r.track_id as number | null) ?? null,
  }),
};

/** Detections of one stream in media-time order, one page. */
export function listDetections(pool: Pool, streamId: string, q: DetectionsQuery): Promise<Page<DetectionItem>> {
  return keysetPage(pool, detectionsList, streamId, {
    ...q,
    where: (p) => [
      ...(q.class !== undefined ? [`class_name = ${p.add(q.class)}`] : []),
      ...(q.track !== undefined ? [`track_id = ${p.add(q.track, 'integer')}`] : []),
      // Compared as real: a stored 0.9 (float4) is below the float8 0.9.
      ...(q.minScore !== undefined ? [`confidence >= ${p.add(q.minScore, 'real')}`] : []),
    ],
  });
}
