import crypto from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { VideoAgentError } from '../../errors';
import { childLogger } from '../../obs/logger';
import { parseFaults, resolveEmulatorConfig, type EmulatorConfig, type EmulatorConfigInput } from './config';
import { EmulatedEndpoint } from './endpoint';
import { FINAL_STATUSES, viewOf } from './jobs';
import { RateLimiter } from './rate-limiter';
import { createBackingModel } from './backing-model';
import { assertLoopback } from './loopback';

const log = childLogger({ component: 'runpod-emulator' });

const ROUTE = /^\/v2\/([A-Za-z0-9_.-]+)\/(run|runsync|status-sync|status|stream|cancel|retry|purge-queue|health)(?:\/([^/?]+))?\/?$/;
type Op = 'run' | 'runsync' | 'status' | 'status-sync' | 'stream' | 'cancel' | 'retry' | 'purge-queue' | 'health';
const GET_OPS: ReadonlySet<Op> = new Set(['status', 'status-sync', 'stream', 'health']);
const JOB_OPS: ReadonlySet<Op> = new Set(['status', 'status-sync', 'stream', 'cancel', 'retry']);
const ADMIN_ROUTE = /^\/admin\/([A-Za-z0-9_.-]+)\/(faults|stats)\/?$/;

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/**
 * The RunPod Serverless HTTP API on loopback (docs/runpod.md): `/v2/<endpoint_id>/<op>`, bearer
 * auth, per-endpoint rate limits and payload caps, plus `/admin/<endpoint>/faults|stats` for fault injection.
 */
export class RunpodEmulator {
  readonly config: EmulatorConfig;
  /** True when no key was configured and the emulator made one (`emulate` prints it once). */
  readonly generatedKey: boolean;
  readonly endpoints = new Map<string, EmulatedEndpoint>();
  private readonly limiters = new Map<string, RateLimiter>();
  private server?: http.Server;
  private sweeper?: NodeJS.Timeout;
  private port = 0;

  constructor(input: EmulatorConfigInput = {}) {
    const config = resolveEmulatorConfig(input);
    // Closed by default: any local process or web page could otherwise submit jobs, change faults, or spend the
    // VLM_API_KEY the local captioner forwards to.
    this.generatedKey = config.auth && !config.apiKey;
    this.config = this.generatedKey ? { ...config, apiKey: crypto.randomBytes(24).toString('base64url') } : config;
    assertLoopback(this.config.host);
    for (const [id, ep] of Object.entries(this.config.endpoints)) {
      const backing = createBackingModel(ep.backend, ep.model, ep.stub);
      this.endpoints.set(id, new EmulatedEndpoint(id, ep, backing, this.config.retention));
      const { windowMs, ...limits } = ep.rateLimits;
      this.limiters.set(id, new RateLimiter(windowMs, limits));
    }
  }

  /** The key clients must send (configured or generated); undefined only with `auth: false`. */
  get apiKey(): string | undefined {
    return this.config.apiKey;
  }

  /** `http://127.0.0.1:<port>/v2`, the RUNPOD_API_BASE for clients. */
  get apiBase(): string {
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    return `http://${host}:${this.port}/v2`;
  }

  get url(): string {
    return this.apiBase.slice(0, -3);
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => this.sendError(res, err));
    });
    server.keepAliveTimeout = 30_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.sweeper = setInterval(() => {
      for (const ep of this.endpoints.values()) ep.sweep();
    }, this.config.sweepIntervalMs);
    this.sweeper.unref();
    log.debug({ url: this.apiBase, endpoints: [...this.endpoints.keys()] }, 'RunPod emulator listening');
    return this;
  }

  endpoint(id: string): EmulatedEndpoint {
    const ep = this.endpoints.get(id);
    if (!ep) throw new VideoAgentError('E_EMULATOR_ENDPOINT', `emulator has no endpoint "${id}"`);
    return ep;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await Promise.all([...this.endpoints.values()].map((ep) => ep.close()));
  }

  // ---- request handling ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.checkOrigin(req);
    const url = new URL(req.url ?? '/', 'http://emulator');
    const admin = ADMIN_ROUTE.exec(url.pathname);
    if (admin) return this.handleAdmin(req, res, admin[1], admin[2]);
    const m = ROUTE.exec(url.pathname);
    if (!m) throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
    const [, endpointId, opName, jobId] = m;
    const op = opName as Op;
    this.authorize(req);
    const ep = this.endpoints.get(endpointId);
    if (!ep) throw new HttpError(404, `endpoint ${endpointId} not found`);
    ep.countRequest(op);
    const wantMethod = GET_OPS.has(op) ? 'GET' : 'POST';
    if (req.method !== wantMethod) throw new HttpError(405, `${op} expects ${wantMethod}`, { allow: wantMethod });
    const needsId = JOB_OPS.has(op);
    if (needsId !== Boolean(jobId)) throw new HttpError(404, needsId ? `${op} needs a job id: /v2/${endpointId}/${op}/<job_id>` : `no route ${url.pathname}`);

    const wait = this.limiters.get(endpointId)!.take(op);
    if (wait !== null) throw new HttpError(429, 'rate limit exceeded', { 'retry-after': String(wait) });
    const latency = ep.faults.latencyMs();
    if (latency > 0) await sleep(latency);
    if (ep.faults.fires('http5xx')) throw new HttpError(ep.faults.current.http5xx?.status ?? 500, 'injected server error');
    if (ep.faults.fires('http429')) throw new HttpError(429, 'rate limit exceeded (injected)', { 'retry-after': String(ep.faults.current.http429?.retryAfterS ?? 1) });

    switch (op) {
      case 'run':
      case 'runsync':
        return this.handleSubmit(req, res, ep, op, url);
      case 'health':
        return send(res, 200, ep.health());
      case 'purge-queue':
        return send(res, 200, { removed: ep.purgeQueue(), status: 'completed' });
    }
    const job = ep.get(jobId);
    if (!job) throw new HttpError(404, `job ${jobId} not found (unknown or expired)`);
    switch (op) {
      case 'status': {
        // `?ttl=<ms>` resets the job's time to live from now; anything else is ignored, not an error.
        const ttl = Number(url.searchParams.get('ttl'));
        if (Number.isFinite(ttl) && ttl > 0) ep.setTtl(job, ttl);
        return send(res, 200, viewOf(job));
      }
      case 'status-sync': {
        // Long-poll: held until the job is final or the wait ends, then the status at that moment.
        const view = await ep.waitFinal(job, this.waitMs(url));
        if (!ep.get(job.id)) throw new HttpError(404, `job ${job.id} not found (expired while waiting)`);
        return send(res, 200, view);
      }
      case 'stream':
        return send(res, 200, ep.readStream(job));
      case 'cancel':
        return send(res, 200, { id: job.id, status: ep.cancel(job).status });
      case 'retry':
        if (ep.queueFull() && (job.status === 'FAILED' || job.status === 'TIMED_OUT')) throw new HttpError(429, `queue full: ${ep.config.maxQueue} jobs already waiting`, { 'retry-after': '1' });
        if (!ep.retry(job)) throw new HttpError(400, `job ${job.id} is ${job.status}: only FAILED or TIMED_OUT jobs can be retried`);
        return send(res, 200, { id: job.id, status: 'IN_QUEUE' });
    }
  }

  /** `?wait=<ms>` (absent or not a number: the default) clamped to the configured bounds (RunPod's 1000–300000). */
  private waitMs(url: URL): number {
    const w = this.config.runsyncWait;
    const asked = Number(url.searchParams.get('wait') ?? NaN);
    const ms = Number.isFinite(asked) && asked > 0 ? asked : w.defaultMs;
    return Math.min(w.maxMs, Math.max(w.minMs, ms));
  }

  private async handleSubmit(req: IncomingMessage, res: ServerResponse, ep: EmulatedEndpoint, op: 'run' | 'runsync', url: URL): Promise<void> {
    if (ep.queueFull()) {
      req.resume();
      throw new HttpError(429, `queue full: ${ep.config.maxQueue} jobs already waiting`, { 'retry-after': '1' });
    }
    const cap = op === 'run' ? this.config.payloadCaps.runBytes : this.config.payloadCaps.runsyncBytes;
    const body = await readJson(req, cap);
    if (!isObject(body)) throw new HttpError(400, `request body must be a JSON object {"input": {...}}, got ${kindOf(body)}`);
    if (!('input' in body)) throw new HttpError(400, 'request body has no "input": expected {"input": {...}}');
    if (!isObject(body.input)) throw new HttpError(400, `"input" must be a JSON object, got ${kindOf(body.input)}`);
    if (body.policy !== undefined && !isObject(body.policy)) throw new HttpError(400, `"policy" must be a JSON object, got ${kindOf(body.policy)}`);
    const { input, policy } = body as { input: unknown; policy?: { executionTimeout?: unknown; ttl?: unknown } };
    const job = ep.submit(input, op, { executionTimeoutMs: positive(policy?.executionTimeout, 'policy.executionTimeout'), ttlMs: positive(policy?.ttl, 'policy.ttl') }, this.config.defaultTtlMs);
    // Accepted jobs are reported IN_QUEUE, as RunPod does, even when a warm worker already took it.
    if (op === 'run') return send(res, 200, { id: job.id, status: 'IN_QUEUE' });
    const view = await ep.waitFinal(job, this.waitMs(url));
    // Not final within the wait: the id and status only, the client polls /status (contract, [inferred]).
    send(res, 200, FINAL_STATUSES.has(view.status) ? view : { id: view.id, status: view.status });
  }

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, endpointId: string, what: string): Promise<void> {
    this.authorize(req);
    const ep = this.endpoints.get(endpointId);
    if (!ep) throw new HttpError(404, `endpoint ${endpointId} not found`);
    if (what === 'stats') return send(res, 200, { ...ep.stats, backend: { name: ep.config.backend, kind: ep.backendKind, model: ep.backingModel.model }, faults: ep.faults.current });
    if (req.method !== 'POST') throw new HttpError(405, 'faults expects POST');
    let faults;
    try {
      faults = parseFaults(await readJson(req, 1024 * 1024));
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    ep.setFaults(faults);
    send(res, 200, { endpoint: endpointId, faults });
  }

  private authorize(req: IncomingMessage): void {
    const key = this.config.apiKey;
    if (!key) return;
    const h = (req.headers.authorization ?? '').trim();
    const given = /^bearer\s+/i.test(h) ? h.replace(/^bearer\s+/i, '') : h;
    if (!sameSecret(given, key)) throw new HttpError(401, 'Unauthorized: missing or invalid API key');
  }

  /**
   * Only local programs: a Host that is not this loopback address and port is a DNS-rebinding page, and any
   * Origin header is a browser (no RunPod client sends one).
   */
  private checkOrigin(req: IncomingMessage): void {
    if (req.headers.origin !== undefined) throw new HttpError(403, 'Forbidden: browser requests (Origin header) are not accepted');
    const host = (req.headers.host ?? '').toLowerCase();
    const allowed = [`127.0.0.1:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`];
    if (!allowed.includes(host)) throw new HttpError(403, `Forbidden: Host must be one of ${allowed.join(', ')}`);
  }

  private sendError(res: ServerResponse, err: unknown): void {
    if (err instanceof HttpError) return send(res, err.status, { error: err.message }, err.headers);
    log.error({ err }, 'emulator internal error');
    send(res, 500, { error: 'internal emulator error' });
  }
}

/** Constant-time comparison (of digests, so lengths need not match). */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(h(a), h(b));
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function kindOf(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}

function positive(x: unknown, name: string): number | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw new HttpError(400, `${name} must be a positive number of milliseconds`);
  return x;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a JSON body up to `cap` bytes; over the cap the rest is drained and 413 answered (keeps the connection sane). */
async function readJson(req: IncomingMessage, cap: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= cap) chunks.push(chunk);
  }
  if (size > cap) throw new HttpError(413, `payload of ${size} bytes exceeds the ${cap}-byte limit of this operation: send large media by URL`);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'request body is empty: expected JSON {"input": {...}}');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
}
