import type { Readable } from 'node:stream';
import { VideoAgentError } from '../errors';

/** What `put` accepts: bytes in memory, a stream, or a file on disk (streamed, never read whole). */
export type ObjectBody = Buffer | Readable | { path: string };

export interface PutOptions {
  contentType?: string;
}

export interface StoredObject {
  key: string;
  size: number;
  uri: string;
}

export interface ObjectListing {
  key: string;
  size: number;
}

/** Where clips and posters live: a local folder or an S3-compatible bucket, behind one shape. */
export interface ObjectStore {
  readonly kind: 'fs' | 's3';
  put(key: string, body: ObjectBody, options?: PutOptions): Promise<StoredObject>;
  get(key: string): Promise<Buffer>;
  list(prefix?: string): Promise<ObjectListing[]>;
  /** Idempotent: deleting a missing key is not an error (as on S3). */
  delete(key: string): Promise<void>;
  /** fs: a file:// URL (expiresS is ignored); s3: a presigned GET URL. */
  url(key: string, options?: { expiresS?: number }): Promise<string>;
}

/**
 * Keys are relative, '/'-separated paths. The same rule holds for both stores so a key that works on S3
 * can never escape the root of the fs store (and the other way round).
 */
export function checkKey(key: string): string {
  const bad = (why: string) => new VideoAgentError('E_BAD_KEY', `bad object key ${JSON.stringify(key.replace(/\0/g, '\\0'))}: ${why}`, { kind: 'bad_input' });
  if (typeof key !== 'string' || key.length === 0) throw bad('empty');
  if (key.includes('\0')) throw bad('contains NUL');
  if (key.startsWith('/') || key.startsWith('\\') || /^[A-Za-z]:/.test(key)) throw bad('absolute path');
  if (key.split(/[\\/]/).some((s) => s === '..')) throw bad("contains a '..' segment");
  return key;
}

export function isBodyPath(body: ObjectBody): body is { path: string } {
  return !Buffer.isBuffer(body) && typeof (body as { path?: unknown }).path === 'string' && typeof (body as Readable).pipe !== 'function';
}
