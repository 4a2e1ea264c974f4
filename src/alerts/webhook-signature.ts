/**
 * Webhook signatures: HMAC-SHA256 over `<timestamp>.<body>` with the target's secret, sent as
 * `X-Video-Agent-Signature: t=<unix s>,v1=<hex>`. The timestamp inside the signed text lets a receiver
 * refuse replays older than its tolerance.
 */
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'x-video-agent-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

export function signBody(secret: string, body: string, unixS: number): string {
  const mac = crypto.createHmac('sha256', secret).update(`${unixS}.${body}`).digest('hex');
  return `t=${unixS},v1=${mac}`;
}

/** For receivers (and tests): true when the header signs this body with this secret within `toleranceS`. */
export function verifySignature(secret: string, body: string, header: string | undefined, opts: { nowS?: number; toleranceS?: number } = {}): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  const now = opts.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceS ?? 300)) return false;
  const want = Buffer.from(signBody(secret, body, t).slice(`t=${t},v1=`.length), 'hex');
  const got = Buffer.from(m[2]!, 'hex');
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}
