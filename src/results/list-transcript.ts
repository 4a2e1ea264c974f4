import type { Pool } from 'pg';
import { iso, keysetPage, seconds, type ListSpec } from './keyset-page';
import type { Page, TranscriptItem, TranscriptQuery } from './schemas';

export const transcriptList: ListSpec<TranscriptItem> = {
  table: 'audio_segments',
  columns: 'pts_us, ts, start_us, end_us, text, confidence, speaker_id, prosody, is_silence',
  // pts_us (= start_us) is unique per stream: audio_segments_key.
  keys: [{ column: 'pts_us', sqlType: 'bigint' }],
  span: 'segment',
  toItem: (r) => ({
    startS: seconds(r.start_us), endS: seconds(r.end_us), ts: iso(r.ts), text: r.text as string,
    confidence: (r.confidence as number | null) ?? null, speakerId: (r.speaker_id as string | null) ?? null,
    isSilence: r.is_silence as boolean, prosody: (r.prosody as Record<string, unknown> | null) ?? null,
  }),
};

/** Transcript segments of one stream in media-time order (silence only when asked for), one page. */
export function listTranscript(pool: Pool, streamId: string, q: Omit<TranscriptQuery, 'format'>): Promise<Page<TranscriptItem>> {
  return keysetPage(pool, transcriptList, streamId, { ...q, where: () => (q.includeSilence ? [] : ['NOT is_silence']) });
}
