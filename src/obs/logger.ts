import pino, { type Logger } from 'pino';

/**
 * One pino root logger (JSON to stderr so stdout stays for CLI output). LOG_LEVEL overrides the level.
 * Secrets are redacted by path so an API key put into a log object by mistake never reaches the output.
 */
export const logger: Logger = pino(
  {
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    base: { service: 'video-agent' },
    redact: {
      paths: ['apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization', 'password', '*.password', 'RUNPOD_API_KEY'],
      censor: '[redacted]',
    },
  },
  pino.destination(2),
);

export function childLogger(bindings: Record<string, unknown>): Logger {
  return logger.child(bindings);
}
