import pino, { type DestinationStream, type Logger } from 'pino';
import { errorSerializer, scrubUserinfo } from './redact';

/**
 * Every line the logger writes, with URL userinfo (`rtsp://user:pass@…`, `postgres://user:pass@…`) removed:
 * a last filter over the serialized JSON, so messages, printf arguments, plain fields and child bindings
 * (which pino serializes once, bypassing formatters) are all covered.
 */
function scrubbingDestination(fd: number): DestinationStream & { flush(): void } {
  const dest = pino.destination(fd);
  return {
    write: (line: string) => dest.write(scrubUserinfo(line)),
    flush: () => dest.flush(),
  };
}

/**
 * One pino root logger (JSON to stderr so stdout stays for CLI output). LOG_LEVEL overrides the level.
 * Secrets are redacted by path so an API key put into a log object by mistake never reaches the output;
 * errors under `err`, `error` or `cause` keep their whole cause chain (src/obs/redact.ts).
 */
export const logger: Logger = pino(
  {
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    base: { service: 'video-agent' },
    redact: {
      paths: ['apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization', 'password', '*.password', 'RUNPOD_API_KEY'],
      censor: '[redacted]',
    },
    serializers: { err: errorSerializer, error: errorSerializer, cause: errorSerializer },
  },
  scrubbingDestination(2),
);

export function childLogger(bindings: Record<string, unknown>): Logger {
  return logger.child(bindings);
}
