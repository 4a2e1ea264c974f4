import type { Pool } from 'pg';
import { iso, keysetPage, seconds, type ListSpec } from './keyset-page';
import type { Page, SpeakerSummary, SpeakerTurnItem, SpeakersQuery } from './schemas';
import { SqlParams } from './sql-params';
import { timeRangeConditions } from './time-range';

export const speakerTurnsList: ListSpec<SpeakerTurnItem> = {
  table: 'speaker_turns',
  columns: 'pts_us, ts, start_us, end_us, speaker_id, similarity',
  keys: [{ column: 'pts_us', sqlType: 'bigint' }, { column: 'speaker_id', sqlType: 'text' }],
  span: 'segment',
  toItem: (r) => ({
    startS: seconds(r.start_us), endS: seconds(r.end_us), ts: iso(r.ts), speakerId: r.speaker_id as string,
    similarity: (r.similarity as number | null) ?? null,
  }),
};

/** Speaker turns of one stream in media-time order, one page. */
export function listSpeakerTurns(pool: Pool, streamId: string, q: SpeakersQuery): Promise<Page<SpeakerTurnItem>> {
  return keysetPage(pool, speakerTurnsList, streamId, {
    ...q,
    where: (p) => (q.speaker !== undefined ? [`speaker_id = ${p.add(q.speaker, 'text')}`] : []),
  });
}

/**
 * Per speaker over the range: talk time and number of turns. Windows overlap, so the same stretch of a
 * turn can be stored by two windows: talk time sums turns as stored (an upper bound by the overlap).
 */
export async function speakerSummary(pool: Pool, streamId: string, q: Pick<SpeakersQuery, 'from' | 'to'>): Promise<SpeakerSummary[]> {
  const p = new SqlParams();
  const conds = [`stream_id = ${p.add(streamId)}`, ...timeRangeConditions(q, 'segment', p)];
  const res = await pool.query<{ speaker_id: string; turns: string; talk_us: string; first_us: string; last_us: string }>(
    `SELECT speaker_id, count(*) AS turns, sum(end_us - start_us) AS talk_us, min(start_us) AS first_us, max(end_us) AS last_us
     FROM speaker_turns WHERE ${conds.join(' AND ')} GROUP BY speaker_id ORDER BY sum(end_us - start_us) DESC`, p.values);
  return res.rows.map((r) => ({
    speakerId: r.speaker_id, turns: Number(r.turns), talkS: Number(r.talk_us) / 1e6, firstS: Number(r.first_us) / 1e6, lastS: Number(r.last_us) / 1e6,
  }));
}
