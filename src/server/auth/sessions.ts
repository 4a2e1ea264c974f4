/**
 * Browser sessions for the dashboard: an API key is exchanged once (`POST /v1/session`) for a random token
 * in an HttpOnly, SameSite=Strict cookie, so the key never sits in a URL, in localStorage or in page
 * scripts. The browser sends the cookie with every same-origin request and with the WebSocket upgrade.
 * Tokens live in memory (a restart logs everyone out) and expire; only their SHA-256 is kept.
 */
import crypto from 'node:crypto';

export const SESSION_COOKIE = 'va_session';

interface Session { keyId: string; expires: number }

export class Sessions {
  private readonly byDigest = new Map<string, Session>();

  constructor(private readonly ttlMs = 12 * 3600_000, private readonly max = 10_000) {}

  /** A new token for a verified key id. */
  create(keyId: string): { token: string; maxAgeS: number } {
    this.prune();
    if (this.byDigest.size >= this.max) {
      // Oldest first: a flood of logins cannot grow memory without bound.
      const oldest = [...this.byDigest.entries()].sort((a, b) => a[1].expires - b[1].expires)[0];
      if (oldest) this.byDigest.delete(oldest[0]);
    }
    const token = crypto.randomBytes(32).toString('base64url');
    this.byDigest.set(digest(token), { keyId, expires: Date.now() + this.ttlMs });
    return { token, maxAgeS: Math.floor(this.ttlMs / 1000) };
  }

  /** The key id behind a live token, else null. */
  check(token: string | undefined): string | null {
    if (!token) return null;
    const s = this.byDigest.get(digest(token));
    if (!s) return null;
    if (s.expires < Date.now()) { this.byDigest.delete(digest(token)); return null; }
    return s.keyId;
  }

  revoke(token: string | undefined): void {
    if (token) this.byDigest.delete(digest(token));
  }

  private prune(): void {
    const now = Date.now();
    for (const [k, s] of this.byDigest) if (s.expires < now) this.byDigest.delete(k);
  }
}

function digest(t: string): string {
  return crypto.createHash('sha256').update(t).digest('hex');
}
