import type { Pool } from 'pg';
import { iso, seconds } from './keyset-page';
import type { SearchHit, SearchQuery } from './schemas';
import { SqlParams } from './sql-params';
import { timeRangeConditions } from './time-range';

/** Snippet markers: plain text, so a client that renders snippets as HTML is not handed markup from speech. */
export const SNIPPET_START = '«';
export const SNIPPET_STOP = '»';
const HEADLINE_OPTS = `StartSel=${SNIPPET_START}, StopSel=${SNIPPET_STOP}, MaxWords=30, MinWords=10, MaxFragments=2`;

/**
 * Full-text search (English stemming, web-search syntax: "quoted phrase", OR, -word) over transcripts and
 * event descriptions, best first. memory_chunks is the indexed source (GIN on tsv); events that have no
 * memory chunk of kind 'event' with the same span and text (the VLM stage writes none today) are matched on
 * their description directly, so an event is found once either way. ts_headline runs only on the returned rows.
 * Same SQL on PostgreSQL, TimescaleDB and PGlite.
 */
export async function searchText(pool: Pool, q: SearchQuery): Promise<SearchHit[]> {
  const p = new SqlParams();
  const query = p.add(q.q, 'text');
  const scope = (alias: string) => [
    ...(q.stream !== undefined ? [`${alias}stream_id = ${p.add(q.stream, 'text')}`] : []),
    ...timeRangeConditions(q, 'segment', p, alias),
  ];
  const mWhere = ['m.tsv @@ tq.q', ...scope('m.')].join(' AND ');
  const eWhere = [
    "to_tsvector('english', e.description) @@ tq.q",
    `NOT EXISTS (SELECT 1 FROM memory_chunks x WHERE x.stream_id = e.stream_id AND x.kind = 'event'
       AND x.start_us = e.start_us AND x.end_us = e.end_us AND x.text = e.description)`,
    ...scope('e.'),
  ].join(' AND ');
  const sql = `
    WITH tq AS (SELECT websearch_to_tsquery('english', ${query}) AS q),
    hits AS (
      SELECT m.stream_id, m.kind, m.start_us, m.end_us, m.ts, m.text, ts_rank(m.tsv, tq.q) AS rank
        FROM memory_chunks m, tq WHERE ${mWhere}
      UNION ALL
      SELECT e.stream_id, 'event', e.start_us, e.end_us, e.ts, e.description, ts_rank(to_tsvector('english', e.description), tq.q)
        FROM events e, tq WHERE ${eWhere}
    ),
    top AS (SELECT * FROM hits ORDER BY rank DESC, ts, stream_id LIMIT ${p.add(q.limit, 'integer')})
    SELECT top.stream_id, top.kind, top.start_us, top.end_us, top.ts, top.rank,
           ts_headline('english', top.text, tq.q, ${p.add(HEADLINE_OPTS, 'text')}) AS snippet
      FROM top, tq ORDER BY top.rank DESC, top.ts, top.stream_id`;
  const res = await pool.query(sql, p.values);
  return res.rows.map((r) => ({
    streamId: r.stream_id, kind: r.kind, startS: seconds(r.start_us), endS: seconds(r.end_us), ts: iso(r.ts),
    snippet: r.snippet, rank: Number(r.rank),
  }));
}
