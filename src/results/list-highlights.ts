import type { Pool } from 'pg';
import { iso, keysetPage, seconds, type ListSpec } from './keyset-page';
import type { HighlightItem, HighlightsQuery, Page } from './schemas';

export const highlightsList: ListSpec<HighlightItem> = {
  table: 'highlights',
  columns: 'pts_us, ts, start_us, end_us, score, title, clip_uri',
  keys: [{ column: 'pts_us', sqlType: 'bigint' }, { column: 'end_us', sqlType: 'bigint' }],
  span: 'segment',
  toItem: (r) => ({
    startS: seconds(r.start_us), endS: seconds(r.end_us), ts: iso(r.ts), score: r.score as number,
    title: r.title as string, clipUri: (r.clip_uri as string | null) ?? null,
  }),
};

/** Highlights of one stream in media-time order, one page. */
export function listHighlights(pool: Pool, streamId: string, q: HighlightsQuery): Promise<Page<HighlightItem>> {
  return keysetPage(pool, highlightsList, streamId, {
    ...q,
    where: (p) => (q.minScore !== undefined ? [`score >= ${p.add(q.minScore, 'real')}`] : []),
  });
}
