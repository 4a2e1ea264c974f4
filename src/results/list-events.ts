import type { Pool } from 'pg';
import { iso, keysetPage, seconds, type ListSpec } from './keyset-page';
import type { EventItem, EventsQuery, Page } from './schemas';

export const eventsList: ListSpec<EventItem> = {
  table: 'events',
  columns: 'pts_us, ts, start_us, end_us, description, tags, clip_worthy_score, model',
  keys: [{ column: 'pts_us', sqlType: 'bigint' }, { column: 'end_us', sqlType: 'bigint' }],
  span: 'segment',
  toItem: (r) => ({
    startS: seconds(r.start_us), endS: seconds(r.end_us), ts: iso(r.ts), description: r.description as string,
    tags: r.tags as string[], clipWorthyScore: r.clip_worthy_score as number, model: r.model as string,
  }),
};

/** VLM events of one stream in media-time order, one page. */
export function listEvents(pool: Pool, streamId: string, q: EventsQuery): Promise<Page<EventItem>> {
  return keysetPage(pool, eventsList, streamId, {
    ...q,
    where: (p) => [
      ...(q.minScore !== undefined ? [`clip_worthy_score >= ${p.add(q.minScore, 'real')}`] : []),
      ...(q.tag !== undefined ? [`${p.add(q.tag, 'text')} = ANY(tags)`] : []),
    ],
  });
}
