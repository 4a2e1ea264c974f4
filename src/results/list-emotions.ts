import type { Pool } from 'pg';
import { iso, keysetPage, seconds, type ListSpec } from './keyset-page';
import type { EmotionItem, EmotionsQuery, Page } from './schemas';

export const emotionsList: ListSpec<EmotionItem> = {
  table: 'emotions',
  columns: 'pts_us, ts, face_idx, emotion, confidence, scores, bbox, track_id',
  keys: [{ column: 'pts_us', sqlType: 'bigint' }, { column: 'face_idx', sqlType: 'integer' }],
  span: 'point',
  toItem: (r) => ({
    ptsUs: Number(r.pts_us), t: seconds(r.pts_us), ts: iso(r.ts), faceIdx: r.face_idx as number, emotion: r.emotion as string,
    confidence: r.confidence as number, scores: (r.scores as Record<string, number>) ?? {},
    bbox: (r.bbox as [number, number, number, number] | null) ?? null, trackId: (r.track_id as number | null) ?? null,
  }),
};

/** Facial emotions of one stream in media-time order, one page. */
export function listEmotions(pool: Pool, streamId: string, q: EmotionsQuery): Promise<Page<EmotionItem>> {
  return keysetPage(pool, emotionsList, streamId, {
    ...q,
    where: (p) => [
      ...(q.emotion !== undefined ? [`emotion = ${p.add(q.emotion, 'text')}`] : []),
      ...(q.track !== undefined ? [`track_id = ${p.add(q.track, 'integer')}`] : []),
      ...(q.minScore !== undefined ? [`confidence >= ${p.add(q.minScore, 'real')}`] : []),
    ],
  });
}

/** How often each emotion was the dominant one on a face of the stream, most frequent first. */
export async function emotionCounts(pool: Pool, streamId: string): Promise<{ emotion: string; count: number }[]> {
  const res = await pool.query<{ emotion: string; n: string }>(
    'SELECT emotion, count(*) AS n FROM emotions WHERE stream_id = $1 GROUP BY emotion ORDER BY count(*) DESC, emotion', [streamId]);
  return res.rows.map((r) => ({ emotion: r.emotion, count: Number(r.n) }));
}
