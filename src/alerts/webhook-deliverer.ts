/**
 * At-least-once webhook delivery of one alert to one target: POST JSON with a signature and the alert's
 * idempotency key, retried with capped exponential backoff (and Retry-After) on network errors, timeouts,
 * 408, 429 and 5xx; other 4xx answers are final (the receiver refused this body; resending cannot help).
 * Every attempt is recorded through the DeliveryLog before the next one starts.
 */
import { VideoAgentError } from '../errors';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signBody } from './webhook-signature';

export interface WebhookTarget {
  url: string;
  /** HMAC key (from the environment); never logged or stored. */
  secret: string;
}

export interface AlertMessage {
  /** Idempotency key: the same alert always has the same id. */
  alertId: string;
  streamId: string;
  rule: string;
  kind: string;
  ts: number;
  ptsUs: number;
  payload: Record<string, unknown>;
}

export interface DeliveryAttempt {
  alertId: string;
  target: string;
  attempt: number;
  ts: number;
  status: number | null;
  ok: boolean;
  final: boolean;
  error: string | null;
  latencyMs: number;
}

export interface DeliveryLog {
  recordAttempt(a: DeliveryAttempt): Promise<void>;
}

export interface DeliveryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_DELIVERY: DeliveryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 10_000 };

export interface DeliveryResult { ok: boolean; attempts: number; status: number | null }

/** The URL as stored and logged: no userinfo, no query or fragment (tokens travel there). */
export function displayTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export function validateTarget(t: WebhookTarget): void {
  let u: URL;
  try { u = new URL(t.url); } catch { throw new VideoAgentError('E_BAD_WEBHOOK', `webhook URL ${displayTarget(t.url)} is not a valid URL`, { kind: 'config' }); }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new VideoAgentError('E_BAD_WEBHOOK', `webhook URL ${displayTarget(t.url)} must be http(s)`, { kind: 'config' });
  if (t.secret.length < 16) throw new VideoAgentError('E_BAD_WEBHOOK', `the secret of webhook ${displayTarget(t.url)} must be at least 16 characters`, { kind: 'config' });
}

const retryableStatus = (s: number) => s === 408 || s === 429 || s >= 500;

export async function deliverAlert(alert: AlertMessage, target: WebhookTarget, log: DeliveryLog, policy: DeliveryPolicy = DEFAULT_DELIVERY, signal?: AbortSignal): Promise<DeliveryResult> {
  validateTarget(target);
  const body = JSON.stringify({ alert_id: alert.alertId, stream_id: alert.streamId, rule: alert.rule, kind: alert.kind, ts: new Date(alert.ts).toISOString(), pts_s: alert.ptsUs / 1e6, ...alert.payload });
  const where = displayTarget(target.url);
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    let retryAfterMs: number | null = null;
    try {
      const res = await fetch(target.url, {
        method: 'POST', body, redirect: 'manual',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(target.secret, body, Math.floor(Date.now() / 1000)), [IDEMPOTENCY_HEADER]: alert.alertId, 'user-agent': 'video-agent-webhooks' },
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(policy.timeoutMs)]) : AbortSignal.timeout(policy.timeoutMs),
      });
      status = res.status;
      const ra = Number(res.headers.get('retry-after'));
      if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
      await res.arrayBuffer().catch(() => undefined);
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      if (signal?.aborted) throw err;
      const e = err as Error & { cause?: { code?: string } };
      error = e.name === 'TimeoutError' ? `no answer within ${policy.timeoutMs} ms` : `${e.cause?.code ?? e.name}`;
    }
    const ok = status !== null && status >= 200 && status < 300;
    const final = ok || attempt >= policy.maxAttempts || (status !== null && !retryableStatus(status));
    await log.recordAttempt({ alertId: alert.alertId, target: where, attempt, ts: started, status, ok, final, error, latencyMs: Date.now() - started });
    if (final) return { ok, attempts: attempt, status };
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    const delay = Math.min(policy.maxDelayMs, Math.max(backoff * (0.5 + Math.random() / 2), retryAfterMs ?? 0));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
