/**
 * Errors a user can act on. The CLI prints `message` as one line (no stack) and exits non-zero;
 * anything that is not a VideoAgentError is a bug and is printed with its stack.
 */
export class VideoAgentError extends Error {
  /** Stable machine-readable code, e.g. "E_FILE_NOT_FOUND", "E_BAD_PIPELINE". */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VideoAgentError';
    this.code = code;
  }
}

export function isVideoAgentError(err: unknown): err is VideoAgentError {
  return err instanceof VideoAgentError;
}
