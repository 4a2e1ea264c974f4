/**
 * Retrieval for `ask`: the memory chunks (transcript lines, event descriptions) of one stream and media time
 * window that best match a question. Plain SQL that runs on PostgreSQL and on the embedded PGlite alike.
 */
import type { Pool } from 'pg';
import { anyWordQuery, contentWords } from './content-words';

export interface Moment {
  startUs: number;
  endUs: number;
  kind: string;
  text: string;
  /** Higher is better; 0 for the recent-chunks fallback. */
  rank: number;
  /** Whether the chunk matches every searched word (websearch AND), not only some. */
  allWords: boolean;
}

/** How the moments were found: every word, some of the words, or (nothing matched) the most recent ones. */
export type RetrievalStrategy = 'all-words' | 'any-word' | 'recent' | 'none';

export interface RetrieveRequest {
  streamId: string;
  question: string;
  /** Media time window, µs: chunks overlapping [fromUs, toUs]. */
  fromUs?: number;
  toUs?: number;
  limit: number;
}

export interface Retrieval {
  moments: Moment[];
  strategy: RetrievalStrategy;
}

const WINDOW = `stream_id = $1 AND ($2::bigint IS NULL OR end_us >= $2::bigint) AND ($3::bigint IS NULL OR start_us <= $3::bigint)`;

function toMoment(r: { start_us: string | number; end_us: string | number; kind: string; text: string; rank?: number | string; all_words?: boolean }): Moment {
  return { startUs: Number(r.start_us), endUs: Number(r.end_us), kind: r.kind, text: r.text, rank: Number(r.rank ?? 0), allWords: r.all_words === true };
}

/**
 * Chunks matching all the question's words rank first (websearch_to_tsquery, an AND), then those matching
 * any content word (an OR, ranked by ts_rank); a natural-language question rarely has every word in one
 * line. When nothing matches, the most recent chunks of the window stand in (strategy 'recent').
 */
export async function retrieveMoments(pool: Pool, req: RetrieveRequest): Promise<Retrieval> {
  const win = [req.streamId, req.fromUs ?? null, req.toUs ?? null];
  const words = contentWords(req.question);
  if (words.length) {
    const res = await pool.query(
      `SELECT start_us, end_us, kind, text, (tsv @@ qa) AS all_words,
              ts_rank(tsv, qo) + CASE WHEN tsv @@ qa THEN 1 ELSE 0 END AS rank
       FROM memory_chunks, websearch_to_tsquery('english', $4) qa, websearch_to_tsquery('english', $5) qo
       WHERE ${WINDOW} AND (tsv @@ qa OR tsv @@ qo)
       ORDER BY rank DESC, start_us, kind LIMIT $6`,
      [...win, req.question, anyWordQuery(words), req.limit],
    );
    if (res.rows.length) {
      const moments = res.rows.map(toMoment);
      return { moments, strategy: moments.every((m) => m.allWords) ? 'all-words' : 'any-word' };
    }
  }
  const recent = await pool.query(
    `SELECT start_us, end_us, kind, text FROM memory_chunks WHERE ${WINDOW} ORDER BY end_us DESC, start_us DESC, kind LIMIT $4`,
    [...win, req.limit],
  );
  return { moments: recent.rows.map(toMoment), strategy: recent.rows.length ? 'recent' : 'none' };
}
