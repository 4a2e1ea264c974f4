import crypto from 'node:crypto';
import type { SourceInfo } from './source';

/**
 * A stable id for a source: the first 12 hex digits of sha1 over the normalised absolute path or the
 * URL without credentials, so re-ingesting the same file or camera addresses the same stream.
 */
export function defaultStreamId(source: SourceInfo): string {
  const key = source.kind === 'file' ? `file:${source.path}` : source.kind === 'appsrc' ? `appsrc:${source.input}` : source.display;
  return crypto.createHash('sha1').update(key).digest('hex').slice(0, 12);
}

const STREAM_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Stream ids end up in Redis keys and SQL rows: a safe token only (no braces, spaces or slashes). */
export function isValidStreamId(id: string): boolean {
  return STREAM_ID.test(id);
}
