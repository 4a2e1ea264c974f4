import { VideoAgentError, type ErrorKind } from '../errors';

/**
 * Typed errors for every failure form of the RunPod contract. All are VideoAgentErrors (one clear line for
 * the CLI); none ever carries the API key or request headers.
 */
export class RunpodError extends VideoAgentError {
  constructor(code: string, message: string, readonly endpointId?: string, readonly jobId?: string, options?: { cause?: unknown; kind?: ErrorKind; retryable?: boolean }) {
    super(code, message, options);
    this.name = new.target.name;
  }
}

function httpKind(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 408) return 'deadline';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'remote_failure';
  return 'bad_input';
}

/** A non-2xx HTTP answer. `retryAfterMs` from the Retry-After header when present. */
export class RunpodHttpError extends RunpodError {
  constructor(readonly status: number, message: string, endpointId?: string, jobId?: string, readonly retryAfterMs?: number) {
    super(status === 401 ? 'E_RUNPOD_AUTH' : status === 429 ? 'E_RUNPOD_RATE_LIMITED' : status >= 500 ? 'E_RUNPOD_SERVER' : 'E_RUNPOD_HTTP', message, endpointId, jobId, { kind: httpKind(status) });
  }
}
/** 401: the API key is missing or wrong (the key itself is never echoed). */
export class RunpodAuthError extends RunpodHttpError {}
/** 400: the request itself is wrong. */
export class RunpodBadRequestError extends RunpodHttpError {}
/** 404 on a job: expired (TTL or result retention) or unknown; the result is gone. */
export class RunpodJobNotFoundError extends RunpodHttpError {}
/** 404 on an endpoint op: the endpoint id does not exist. */
export class RunpodEndpointNotFoundError extends RunpodHttpError {}
export class RunpodRateLimitError extends RunpodHttpError {}
export class RunpodServerError extends RunpodHttpError {}

/** Failures before a connection carried the request: the server cannot have seen it. */
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** The request never got an HTTP answer (connection refused/reset, DNS, request timeout). */
export class RunpodNetworkError extends RunpodError {
  /** The server may have received the request (reset, timeout after sending): false only for connect-phase failures. */
  readonly maybeDelivered: boolean;

  constructor(message: string, endpointId?: string, options?: { cause?: unknown }) {
    super('E_RUNPOD_NETWORK', message, endpointId, undefined, { ...options, kind: 'unreachable' });
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    this.maybeDelivered = !(typeof code === 'string' && NOT_DELIVERED.has(code));
  }
}

/**
 * A /run or /runsync whose reply was lost after the request may have reached RunPod: the job may exist (and bill)
 * under an id we never saw. Not retried, not failed over; its spend-cap reservation is kept.
 */
export class RunpodSubmitUncertainError extends RunpodError {
  constructor(message: string, endpointId: string, options?: { cause?: unknown }) {
    super('E_RUNPOD_SUBMIT_UNCERTAIN', message, endpointId, undefined, { ...options, kind: 'unreachable', retryable: false });
  }
}

export type JobErrorForm = 'string' | 'json' | 'list' | 'other';

/** Details of a handler exception (the JSON-encoded string form). */
export interface HandlerErrorDetails {
  error_type?: string;
  error_message?: string;
  error_traceback?: string;
  [k: string]: unknown;
}

/** Status FAILED. `form` says which of the contract's error shapes came back. */
export class RunpodJobFailedError extends RunpodError {
  constructor(
    message: string,
    readonly form: JobErrorForm,
    readonly raw: unknown,
    endpointId?: string,
    jobId?: string,
    /** JSON form: the parsed handler exception. */
    readonly details?: HandlerErrorDetails,
    /** List form: the validation errors. */
    readonly validationErrors?: string[],
  ) {
    // A handler that rejected its input ('list' form) fails again on retry; an exception may not.
    super('E_RUNPOD_JOB_FAILED', message, endpointId, jobId, form === 'list' ? { kind: 'bad_input' } : { kind: 'remote_failure', retryable: false });
  }
}
export class RunpodJobTimedOutError extends RunpodError {
  constructor(message: string, endpointId?: string, jobId?: string) {
    super('E_RUNPOD_JOB_TIMED_OUT', message, endpointId, jobId, { kind: 'deadline' });
  }
}
export class RunpodJobCancelledError extends RunpodError {
  constructor(message: string, endpointId?: string, jobId?: string) {
    super('E_RUNPOD_JOB_CANCELLED', message, endpointId, jobId, { kind: 'aborted' });
  }
}
/** COMPLETED without `output` (seen in the wild when a worker fails to upload a large result). */
export class RunpodNoOutputError extends RunpodError {
  constructor(message: string, endpointId?: string, jobId?: string) {
    super('E_RUNPOD_NO_OUTPUT', message, endpointId, jobId, { kind: 'bad_reply', retryable: true });
  }
}
/** Request or reply does not match the shared JSON Schema contract. */
export class RunpodContractError extends RunpodError {
  constructor(message: string, readonly errors: string[], endpointId?: string, jobId?: string) {
    super('E_RUNPOD_CONTRACT', message, endpointId, jobId, { kind: 'bad_reply' });
  }
}
export class RunpodPayloadTooLargeError extends RunpodError {
  constructor(message: string, readonly bytes: number, readonly limit: number, endpointId?: string) {
    super('E_RUNPOD_PAYLOAD_TOO_LARGE', message, endpointId, undefined, { kind: 'bad_input' });
  }
}
export class RunpodSpendCapError extends RunpodError {
  constructor(message: string, readonly spentUsd: number, readonly capUsd: number, readonly estimateUsd: number) {
    super('E_RUNPOD_SPEND_CAP', message, undefined, undefined, { kind: 'spend_cap' });
  }
}
/** Every endpoint id of the model has its circuit open, or all of them failed. */
export class RunpodUnavailableError extends RunpodError {
  constructor(message: string, readonly model: string, options?: { cause?: unknown }) {
    super('E_RUNPOD_UNAVAILABLE', message, undefined, undefined, { ...options, kind: 'breaker_open' });
  }
}
export class RunpodDeadlineError extends RunpodError {
  constructor(message: string, endpointId?: string, jobId?: string) {
    super('E_RUNPOD_DEADLINE', message, endpointId, jobId, { kind: 'deadline' });
  }
}
export class RunpodAbortedError extends RunpodError {
  constructor(message: string, endpointId?: string, jobId?: string) {
    super('E_RUNPOD_ABORTED', message, endpointId, jobId, { kind: 'aborted' });
  }
}
/**
 * The client's own line for an endpoint id is full (config maxQueuedPerEndpoint): the call fails at once rather
 * than buffering without bound. Retryable: slow down and try again.
 */
export class RunpodQueueFullError extends RunpodError {
  constructor(message: string, endpointId: string, readonly maxQueued: number) {
    super('E_RUNPOD_QUEUE_FULL', message, endpointId, undefined, { kind: 'rate_limited', retryable: true });
  }
}
export class RunpodNotConfiguredError extends RunpodError {
  constructor(message: string) {
    super('E_RUNPOD_NOT_CONFIGURED', message, undefined, undefined, { kind: 'config' });
  }
}

/** Maps a FAILED job's `error` (string | JSON string | list) to a typed error. */
export function jobFailedError(raw: unknown, endpointId: string, jobId: string): RunpodJobFailedError {
  const where = `RunPod job ${jobId} on endpoint ${endpointId} FAILED`;
  if (Array.isArray(raw)) {
    const list = raw.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
    return new RunpodJobFailedError(`${where}: invalid input: ${list.join('; ')}`, 'list', raw, endpointId, jobId, undefined, list);
  }
  if (typeof raw === 'string') {
    const trimmed = raw.trim();
    if (trimmed.startsWith('{')) {
      try {
        const details = JSON.parse(trimmed) as HandlerErrorDetails;
        const type = details.error_type ?? 'Error';
        return new RunpodJobFailedError(`${where}: handler raised ${type}: ${details.error_message ?? '(no message)'}`, 'json', raw, endpointId, jobId, details);
      } catch {
        // Not JSON after all: the plain string form.
      }
    }
    return new RunpodJobFailedError(`${where}: ${raw}`, 'string', raw, endpointId, jobId);
  }
  return new RunpodJobFailedError(`${where}: ${raw === undefined ? '(no error given)' : JSON.stringify(raw)}`, 'other', raw, endpointId, jobId);
}
