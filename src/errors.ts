/**
 * Errors a user can act on. The CLI prints `message` as one line (no stack) and exits non-zero;
 * anything that is not a VideoAgentError is a bug and is printed with its stack.
 *
 * `kind` and `retryable` are decided once, where the error is created, and travel with it across every
 * port (stage → skip reason, worker → redelivery, API → status): nobody re-derives them from the message.
 */
export type ErrorKind =
  /** Every endpoint of a model has its circuit open. */
  | 'breaker_open'
  /** The spend cap refused the call before it was sent. */
  | 'spend_cap'
  /** A deadline passed (call timeout, job TIMED_OUT, probe timeout). */
  | 'deadline'
  /** A reply arrived but is unusable (contract mismatch, no output, invalid VLM JSON, wrong item count). */
  | 'bad_reply'
  /** No answer at all: connection refused/reset, DNS, host down. */
  | 'unreachable'
  /** The remote side asked us to slow down (429). */
  | 'rate_limited'
  /** The remote side failed (5xx, handler exception, job failed). */
  | 'remote_failure'
  /** Our request or input is wrong (400, bad parameter, bad file): retrying cannot help. */
  | 'bad_input'
  /** Credentials missing or refused. */
  | 'unauthorized'
  /** The thing asked for does not exist (file, endpoint id, expired job). */
  | 'not_found'
  /** The request clashes with current state (a stream with that id exists, a limit is reached). */
  | 'conflict'
  /** Stopped on purpose (abort, shutdown, cancel). */
  | 'aborted'
  /** Configuration is invalid or missing. */
  | 'config'
  /** Anything else: a bug or an unclassified failure. */
  | 'internal';

/** Kinds worth retrying by default; a creator may still override per error. */
const RETRYABLE: ReadonlySet<ErrorKind> = new Set(['deadline', 'unreachable', 'rate_limited', 'remote_failure', 'breaker_open']);

export interface VideoAgentErrorOptions {
  cause?: unknown;
  kind?: ErrorKind;
  retryable?: boolean;
}

export class VideoAgentError extends Error {
  /** Stable machine-readable code, e.g. "E_FILE_NOT_FOUND", "E_BAD_PIPELINE". */
  readonly code: string;
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  constructor(code: string, message: string, options?: VideoAgentErrorOptions) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'VideoAgentError';
    this.code = code;
    this.kind = options?.kind ?? 'internal';
    this.retryable = options?.retryable ?? RETRYABLE.has(this.kind);
  }
}

export function isVideoAgentError(err: unknown): err is VideoAgentError {
  return err instanceof VideoAgentError;
}

/** The kind of any thrown value: a VideoAgentError's own, 'aborted' for an AbortError, else 'internal'. */
export function errorKind(err: unknown): ErrorKind {
  if (err instanceof VideoAgentError) return err.kind;
  if (err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')) return 'aborted';
  return 'internal';
}
