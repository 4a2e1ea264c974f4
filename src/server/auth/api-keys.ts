/**
 * API keys from VIDEO_AGENT_API_KEY (comma-separated, so a key can be rotated without downtime). Compared
 * in constant time on their SHA-256 digests; a key is referred to (rate-limit bucket, logs) only by a
 * short digest prefix, never by its text.
 */
import crypto from 'node:crypto';
import { VideoAgentError } from '../../errors';

export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(raw: string | undefined) {
    const keys = (raw ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    for (const k of keys) {
      if (k.length < 16) throw new VideoAgentError('E_BAD_CONFIG', 'every VIDEO_AGENT_API_KEY entry must be at least 16 characters', { kind: 'config' });
    }
    this.digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** The key's id (digest prefix) when `authorization` carries a valid `Bearer <key>`, else null. */
  check(authorization: string | undefined): string | null {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return null;
    const d = digest(m[1]);
    let ok = false;
    for (const k of this.digests) ok = crypto.timingSafeEqual(k, d) || ok;
    return ok ? d.subarray(0, 6).toString('hex') : null;
  }
}

function digest(k: string): Buffer {
  return crypto.createHash('sha256').update(k).digest();
}
