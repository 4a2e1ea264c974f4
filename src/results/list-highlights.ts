import type { Pool } from 'pg';
import { iso, keysetPage, seconds, type ListSpec } from './keyset-page';
import type { HighlightItem, HighlightsQuery, Page } from './schemas';
import { timeRangeConditions } from './time-range';

export const highlightsList: ListSpec<HighlightItem> = {
  table: 'highlights',
  // A highlight's clip is the newest clips row cut for it (src/clips/highlight-clips.ts), else the legacy column.
  columns: `pts_us, ts, start_us, end_us, peak_us, score, contributions, title,
    COALESCE((SELECT c.url FROM clips c WHERE c.stream_id = highlights.stream_id AND c.highlight_pts_us = highlights.pts_us ORDER BY c.created_at DESC LIMIT 1), clip_uri) AS clip_uri,
    (SELECT c.object_key FROM clips c WHERE c.stream_id = highlights.stream_id AND c.highlight_pts_us = highlights.pts_us ORDER BY c.created_at DESC LIMIT 1) AS clip_key,
    (SELECT c.clip_id FROM clips c WHERE c.stream_id = highlights.stream_id AND c.highlight_pts_us = highlights.pts_us ORDER BY c.created_at DESC LIMIT 1) AS clip_id`,
  keys: [{ column: 'pts_us', sqlType: 'bigint' }, { column: 'end_us', sqlType: 'bigint' }],
  span: 'segment',
  toItem: (r) => ({
    startS: seconds(r.start_us), endS: seconds(r.end_us), peakS: r.peak_us == null ? null : seconds(r.peak_us), ts: iso(r.ts), score: r.score as number,
    contributions: (r.contributions as Record<string, number> | null) ?? {},
    title: r.title as string, clipUri: (r.clip_uri as string | null) ?? null, clipKey: (r.clip_key as string | null) ?? null, clipId: (r.clip_id as string | null) ?? null,
  }),
};

/** Highlights of one stream in media-time order, one page. */
export function listHighlights(pool: Pool, streamId: string, q: HighlightsQuery): Promise<Page<HighlightItem>> {
  return keysetPage(pool, highlightsList, streamId, {
    ...q,
    where: (p) => {
      const w = q.minScore !== undefined ? [`score >= ${p.add(q.minScore, 'real')}`] : [];
      // The N best of the stream (and range), still paged in media-time order.
      if (q.top !== undefined) {
        const inner = [`h.stream_id = ${p.add(streamId, 'text')}`, ...timeRangeConditions(q, 'segment', p, 'h.')];
        w.push(`(pts_us, end_us) IN (SELECT h.pts_us, h.end_us FROM highlights h WHERE ${inner.join(' AND ')} ORDER BY h.score DESC, h.pts_us LIMIT ${p.add(q.top, 'integer')})`);
      }
      return w;
    },
  });
}
