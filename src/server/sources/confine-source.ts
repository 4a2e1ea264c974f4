/**
 * What a stream may read: a URL whose scheme is on the allow-list, or a file that resolves (symlinks
 * followed) inside a configured media root. Checked before anything opens the source, so nobody reads
 * `/etc/passwd` or `../../secrets` through a "file" stream, and a refusal never says whether the file exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { VideoAgentError } from '../../errors';
import { scrubUserinfo } from '../../obs/redact';

export interface SourcePolicy {
  /** Absolute folders. */
  mediaRoots: string[];
  allowSchemes: string[];
}

/** Returns the source to open (an absolute path for files, the URL as given otherwise). */
export function confineSource(input: string, policy: SourcePolicy): string {
  const trimmed = input.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  // Credentials travel in the environment, never in a stream's URL (they would be stored and shown).
  if (scheme && scheme !== 'file' && trimmed.slice(scheme.length, scheme.length + 3) === '://') {
    if (!policy.allowSchemes.includes(scheme)) {
      throw new VideoAgentError('E_SOURCE_NOT_ALLOWED', `source scheme '${scheme}://' is not allowed (allowed: ${policy.allowSchemes.join(', ') || 'none'})`, { kind: 'bad_input' });
    }
    return trimmed;
  }
  if (!policy.allowSchemes.includes('file')) throw new VideoAgentError('E_SOURCE_NOT_ALLOWED', 'file sources are not allowed on this server', { kind: 'bad_input' });
  if (policy.mediaRoots.length === 0) throw new VideoAgentError('E_SOURCE_NOT_ALLOWED', 'file sources need a media root (server.mediaRoots)', { kind: 'bad_input' });
  let p: string;
  try {
    p = scheme === 'file' ? decodeURIComponent(new URL(trimmed).pathname) : trimmed;
  } catch {
    throw new VideoAgentError('E_BAD_SOURCE', `not a valid file URL: ${scrubUserinfo(trimmed)}`, { kind: 'bad_input' });
  }
  if (p.includes('\0')) throw new VideoAgentError('E_BAD_SOURCE', 'source path contains a NUL byte', { kind: 'bad_input' });
  const abs = path.resolve(policy.mediaRoots[0], p);
  const real = realOrSelf(abs);
  const inside = policy.mediaRoots.some((root) => isInside(real, realOrSelf(path.resolve(root))));
  if (!inside) {
    throw new VideoAgentError('E_SOURCE_NOT_ALLOWED', `file source '${p}' is outside the media roots (${policy.mediaRoots.join(', ')})`, { kind: 'bad_input' });
  }
  return real;
}

function isInside(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The real path (symlinks resolved); for a path that does not exist yet, its existing parent's real path. */
function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realOrSelf(parent), path.basename(p));
  }
}
