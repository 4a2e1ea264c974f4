import { VideoAgentError } from '../../errors';

/** A JWT or an access_token query value anywhere in a message: the token is a credential. */
export function scrubToken(text: string): string {
  return text.replace(/access_token=[^&\s"']+/gi, 'access_token=[redacted]').replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '[token]');
}

/**
 * The SDK's ConnectError (a Rust message like "engine: signal failure: transport connection error: IO
 * error: Connection refused") as one error that says what to fix: the URL, the token, or the server.
 */
export function connectError(err: unknown, where: string): VideoAgentError {
  const raw = scrubToken(err instanceof Error ? err.message : String(err));
  const detail = raw.replace(/^engine: (signal failure: )?/, '');
  // The SDK's own error is not kept as the cause: its text (and stack) is only trusted once scrubbed.
  const cause = new Error(raw);
  if (/failed to parse the url|relative URL|invalid url|unsupported url scheme|InvalidUrl/i.test(raw)) {
    return new VideoAgentError('E_LIVEKIT_URL', `not a usable LiveKit URL ${where}: ${detail}`, { kind: 'bad_input', cause });
  }
  if (/\b(401|403)\b|unauthori[sz]ed|forbidden|invalid token|token is expired|permission|not allowed/i.test(raw)) {
    return new VideoAgentError('E_LIVEKIT_AUTH', `the LiveKit server ${where} refused the access token (check LIVEKIT_API_KEY/LIVEKIT_API_SECRET or the token's room and expiry): ${detail}`, { kind: 'unauthorized', cause });
  }
  if (/refused|lookup address|Name or service not known|No route|unreachable|timed? ?out|reset by peer|network/i.test(raw)) {
    return new VideoAgentError('E_LIVEKIT_UNREACHABLE', `cannot reach the LiveKit server ${where}: ${detail}`, { kind: 'unreachable', cause });
  }
  return new VideoAgentError('E_LIVEKIT_CONNECT', `joining the LiveKit room ${where} failed: ${detail}`, { kind: 'remote_failure', cause });
}
