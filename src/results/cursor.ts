import crypto from 'node:crypto';
import { z } from 'zod';
import { VideoAgentError } from '../errors';

/**
 * Opaque keyset cursors: base64url(JSON {s: scope, k: key}) + '.' + a short checksum. The key is the last
 * row's sort key (pts_us, then the table's tie-breakers); the scope (the list's name) keeps a transcript
 * cursor from being replayed on detections. The checksum catches garbled or hand-edited cursors; it is not a
 * secret (a cursor only says where to resume, its values are bound parameters), so no key is needed.
 */
export type CursorKey = (number | string)[];

const payload = z.object({ s: z.string(), k: z.array(z.union([z.number().finite(), z.string()])).min(1).max(8) });

function checksum(body: string): string {
  return crypto.createHash('sha256').update(body).digest().subarray(0, 6).toString('base64url');
}

export function encodeCursor(scope: string, key: CursorKey): string {
  const body = Buffer.from(JSON.stringify({ s: scope, k: key })).toString('base64url');
  return `${body}.${checksum(body)}`;
}

function bad(why: string): VideoAgentError {
  return new VideoAgentError('E_BAD_CURSOR', `invalid cursor: ${why}; pass the nextCursor of a previous page unchanged`, { kind: 'bad_input' });
}

/** The key inside `cursor`, checked against the scope and the key's column types (`kinds`). */
export function decodeCursor(scope: string, cursor: string, kinds: readonly ('number' | 'string')[]): CursorKey {
  const dot = cursor.indexOf('.');
  if (dot <= 0 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) throw bad('not a cursor');
  const body = cursor.slice(0, dot);
  if (checksum(body) !== cursor.slice(dot + 1)) throw bad('checksum mismatch');
  let parsed: z.infer<typeof payload>;
  try {
    parsed = payload.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    throw bad('unreadable');
  }
  if (parsed.s !== scope) throw bad(`it belongs to another list (${parsed.s})`);
  if (parsed.k.length !== kinds.length || parsed.k.some((v, i) => typeof v !== kinds[i])) throw bad('wrong key shape');
  return parsed.k;
}
