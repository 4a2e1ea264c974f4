import { Pool } from 'undici';
import {
  RunpodError,
  RunpodAuthError,
  RunpodBadRequestError,
  RunpodEndpointNotFoundError,
  RunpodHttpError,
  RunpodJobNotFoundError,
  RunpodNetworkError,
  RunpodPayloadTooLargeError,
  RunpodRateLimitError,
  RunpodServerError,
} from './errors';

export interface TransportOptions {
  apiBase: string;
  apiKey?: string;
  connections: number;
  requestTimeoutMs: number;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  endpointId: string;
  /** Op path under the endpoint: "run", "status/<id>", "health", … */
  op: string;
  jobId?: string;
  body?: string;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

/**
 * One HTTP exchange with the RunPod API: an undici Pool per host (keep-alive, pipelining off), the bearer key,
 * JSON in and out, non-2xx answers mapped to typed errors. The key lives only in the header built here.
 */
export class RunpodTransport {
  private readonly pools = new Map<string, Pool>();
  private readonly origin: string;
  private readonly basePath: string;
  private readonly authHeader?: string;

  constructor(private readonly opts: TransportOptions) {
    const u = new URL(opts.apiBase);
    this.origin = u.origin;
    this.basePath = u.pathname.replace(/\/+$/, '');
    this.authHeader = opts.apiKey ? `Bearer ${opts.apiKey}` : undefined;
  }

  private pool(): Pool {
    let p = this.pools.get(this.origin);
    if (!p) {
      p = new Pool(this.origin, { connections: this.opts.connections, keepAliveTimeout: 10_000 });
      this.pools.set(this.origin, p);
    }
    return p;
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    const qs = spec.query
      ? Object.entries(spec.query)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
          .join('&')
      : '';
    const path = `${this.basePath}/${spec.endpointId}/${spec.op}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.authHeader) headers.authorization = this.authHeader;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await this.pool().request({
        method: spec.method,
        path,
        headers,
        body: spec.body,
        signal: spec.signal,
        headersTimeout: this.opts.requestTimeoutMs,
        bodyTimeout: this.opts.requestTimeoutMs,
      });
    } catch (err) {
      if (spec.signal?.aborted) throw err;
      throw new RunpodNetworkError(`RunPod ${spec.op.split('/')[0]} on endpoint ${spec.endpointId}: ${this.scrub(describe(err))}`, spec.endpointId, { cause: err });
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      if (spec.signal?.aborted) throw err;
      throw new RunpodNetworkError(`RunPod ${spec.op.split('/')[0]} on endpoint ${spec.endpointId}: reply cut off: ${this.scrub(describe(err))}`, spec.endpointId, { cause: err });
    }
    if (res.statusCode >= 200 && res.statusCode < 300) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new RunpodServerError(502, `RunPod ${spec.op} on endpoint ${spec.endpointId} answered ${res.statusCode} with a body that is not JSON`, spec.endpointId, spec.jobId);
      }
    }
    throw this.httpError(res.statusCode, text, res.headers['retry-after'], spec);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }

  private httpError(status: number, text: string, retryAfter: string | string[] | undefined, spec: RequestSpec): RunpodError {
    let detail = text.slice(0, 300);
    try {
      const j = JSON.parse(text) as { error?: unknown; message?: unknown };
      detail = String(j.error ?? j.message ?? detail);
    } catch {
      // Plain text body.
    }
    detail = this.scrub(detail);
    const op = spec.op.split('/')[0];
    const what = `RunPod ${op}${spec.jobId ? ` of job ${spec.jobId}` : ''} on endpoint ${spec.endpointId}`;
    const ra = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    const { endpointId, jobId } = spec;
    if (status === 401 || status === 403) return new RunpodAuthError(status, `${what}: unauthorized (HTTP ${status}): check RUNPOD_API_KEY`, endpointId, jobId);
    if (status === 404) {
      return spec.jobId
        ? new RunpodJobNotFoundError(404, `${what}: job not found: it expired (TTL or result retention) or never existed`, endpointId, jobId)
        : new RunpodEndpointNotFoundError(404, `${what}: endpoint not found (HTTP 404): check RUNPOD_*_ENDPOINT_ID`, endpointId);
    }
    if (status === 413) return new RunpodPayloadTooLargeError(`${what}: payload too large (HTTP 413): ${detail}`, spec.body?.length ?? 0, 0, endpointId);
    if (status === 429) return new RunpodRateLimitError(429, `${what}: rate limited (HTTP 429)`, endpointId, jobId, ra);
    if (status >= 500 || status === 408) return new RunpodServerError(status, `${what}: HTTP ${status}: ${detail}`, endpointId, jobId, ra);
    if (status === 400) return new RunpodBadRequestError(400, `${what}: bad request: ${detail}`, endpointId, jobId);
    return new RunpodHttpError(status, `${what}: HTTP ${status}: ${detail}`, endpointId, jobId, ra);
  }

  /** A server (or proxy) might echo the Authorization header: never let the key into a message. */
  private scrub(s: string): string {
    return this.opts.apiKey ? s.split(this.opts.apiKey).join('[redacted]') : s;
  }
}

/** Retry-After: delay-seconds (fractions tolerated) or an HTTP date. */
export function parseRetryAfter(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(' ') || String(err);
}
