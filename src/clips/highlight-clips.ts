/**
 * Clips for a stream's best highlights: each of the top-N (by score) that has no clip yet is cut from the
 * stream's media (its file, or its recording) around the highlight's span, poster at the peak, published
 * with `highlight_pts_us` set. The highlights list finds a highlight's clip through that column, so the
 * highlights table keeps its one writer (the highlights stage).
 */
import type { Pool } from 'pg';
import { childLogger } from '../obs/logger';
import type { ObjectStore } from '../object-store';
import type { ClipSource } from './clip-source';
import { exportClip } from './export-clip';
import { publishClip, type PublishedClip } from './clip-store';

export interface HighlightClipOptions {
  streamId: string;
  source: ClipSource;
  /** Epoch ms of media time 0 (the streams row's started_at). */
  streamStartMs: number;
  top: number;
  /** Clips end here at most (a file's duration), media µs. */
  mediaEndUs?: number;
  workDir?: string;
}

export interface HighlightClipResult {
  clips: PublishedClip[];
  /** Highlights whose export failed, with the reason (the others still get theirs). */
  failed: { startUs: number; error: string }[];
}

export async function exportHighlightClips(pool: Pool, store: ObjectStore, o: HighlightClipOptions): Promise<HighlightClipResult> {
  const log = childLogger({ component: 'highlight-clips', streamId: o.streamId });
  const res = await pool.query(
    `SELECT h.pts_us, h.start_us, h.end_us, h.peak_us FROM highlights h
      WHERE h.stream_id = $1 AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.stream_id = h.stream_id AND c.highlight_pts_us = h.pts_us)
      ORDER BY h.score DESC, h.pts_us LIMIT $2`, [o.streamId, o.top]);
  const out: HighlightClipResult = { clips: [], failed: [] };
  for (const r of res.rows as { pts_us: string; start_us: string; end_us: string; peak_us: string | null }[]) {
    const startUs = Number(r.start_us);
    const endUs = o.mediaEndUs !== undefined ? Math.min(Number(r.end_us), o.mediaEndUs) : Number(r.end_us);
    if (endUs - startUs < 200_000) continue; // nothing left to cut at the very end of the media
    const peakS = r.peak_us === null ? undefined : Math.min(Math.max(Number(r.peak_us), startUs), endUs) / 1e6;
    try {
      const clip = await exportClip(o.source, { fromS: startUs / 1e6, toS: endUs / 1e6, posterAtS: peakS, workDir: o.workDir });
      out.clips.push(await publishClip(pool, store, clip, {
        streamId: o.streamId, fromUs: startUs, toUs: endUs, streamStartMs: o.streamStartMs,
        source: o.source.kind === 'file' ? 'file' : 'recording', highlightPtsUs: Number(r.pts_us),
      }));
    } catch (err) {
      const error = (err as Error)?.message ?? String(err);
      log.warn({ err, startUs }, 'highlight clip export failed');
      out.failed.push({ startUs, error });
    }
  }
  return out;
}
