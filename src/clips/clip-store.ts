/**
 * Publishes an exported clip: the MP4 and its poster go to the object store under
 * `<streamId>/<startMs>-<endMs>.mp4|.jpg` (under `clips/` in a bucket) (the requested range, so a re-export replaces them),
 * then one `clips` row records it. The temp files are removed either way.
 */
import type { Pool } from 'pg';

import type { ObjectStore } from '../object-store';
import { type ClipRow, writeClip } from './clips-writer';
import type { ExportedClip } from './export-clip';

export interface PublishOptions {
  streamId: string;
  /** The requested range, media µs. */
  fromUs: number;
  toUs: number;
  /** Epoch ms of the stream's media time 0 (the streams row's started_at): the row's `ts`. */
  streamStartMs: number;
  source: 'file' | 'recording';
  highlightPtsUs?: number;
}

export interface PublishedClip extends ClipRow {
  posterUrl: string | null;
  /** What the clip really covers, media µs (a remux starts at a key frame). */
  actualStartUs: number;
  actualEndUs: number;
  /** Upload of both files, ms. */
  uploadMs: number;
}

/** A URL to hand out: userinfo removed (an S3 endpoint may carry it); a presigned query is the grant itself. */
export function publicUrl(u: string): string {
  try {
    const url = new URL(u);
    if (!url.username && !url.password) return u;
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return u;
  }
}

/**
 * `prefix`: `clips/` in a bucket (shared with other objects, e.g. backups); none in the folder store,
 * whose root is already `<dataDir>/clips`.
 */
export function clipKeys(streamId: string, fromUs: number, toUs: number, prefix = 'clips/'): { mp4: string; jpg: string } {
  const stem = `${prefix}${streamId}/${Math.round(fromUs / 1000)}-${Math.round(toUs / 1000)}`;
  return { mp4: `${stem}.mp4`, jpg: `${stem}.jpg` };
}

export async function publishClip(pool: Pool, store: ObjectStore, clip: ExportedClip, o: PublishOptions): Promise<PublishedClip> {
  try {
    const keys = clipKeys(o.streamId, o.fromUs, o.toUs, store.kind === 'fs' ? '' : 'clips/');
    const t0 = Date.now();
    await store.put(keys.mp4, { path: clip.path }, { contentType: 'video/mp4' });
    await store.put(keys.jpg, { path: clip.posterPath }, { contentType: 'image/jpeg' });
    const uploadMs = Date.now() - t0;
    const row: ClipRow = {
      clipId: `${o.streamId}:${Math.round(o.fromUs / 1000)}-${Math.round(o.toUs / 1000)}`,
      streamId: o.streamId,
      ts: o.streamStartMs + o.fromUs / 1000,
      startUs: o.fromUs,
      endUs: o.toUs,
      highlightPtsUs: o.highlightPtsUs ?? null,
      objectKey: keys.mp4,
      url: publicUrl(await store.url(keys.mp4)),
      posterKey: keys.jpg,
      sizeBytes: clip.sizeBytes,
      durationS: clip.durationS,
      mode: clip.mode,
      source: o.source,
      exportMs: clip.exportMs,
    };
    await writeClip(pool, row);
    return { ...row, posterUrl: publicUrl(await store.url(keys.jpg)), actualStartUs: clip.startUs, actualEndUs: clip.endUs, uploadMs };
  } finally {
    clip.dispose();
  }
}
