import { VideoAgentError } from '../../errors';
import { secretEnv } from '../../config/secret-env';

export interface TokenRequest {
  room: string;
  /** The agent's own identity in the room. */
  identity: string;
  /** A token minted elsewhere, used as is (its grant is the issuer's business). */
  token?: string;
  apiKey?: string;
  apiSecret?: string;
  /** Results go back to the room as data messages: the only thing the agent may publish. */
  canPublishData?: boolean;
  /** Token lifetime, seconds (default 6 h: a long session reconnects with the same token). */
  ttlS?: number;
}

export const DEFAULT_TOKEN_TTL_S = 6 * 3600;

/** Credentials from the environment: LIVEKIT_TOKEN, or LIVEKIT_API_KEY + LIVEKIT_API_SECRET. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<TokenRequest, 'token' | 'apiKey' | 'apiSecret'> {
  return { token: secretEnv('LIVEKIT_TOKEN', env), apiKey: secretEnv('LIVEKIT_API_KEY', env), apiSecret: secretEnv('LIVEKIT_API_SECRET', env) };
}

/**
 * The access token the agent joins with: the given one, or one signed with the API key and secret whose
 * grant lets it join this room and subscribe, never publish media (data only when results are sent back).
 * Neither the secret nor the token appears in any error.
 */
export async function accessToken(req: TokenRequest): Promise<string> {
  if (req.token) {
    if (req.token.split('.').length !== 3) {
      throw new VideoAgentError('E_LIVEKIT_TOKEN', 'the LiveKit token given is not a JWT (three dot-separated parts)', { kind: 'config' });
    }
    return req.token;
  }
  if (!req.apiKey || !req.apiSecret) {
    throw new VideoAgentError(
      'E_LIVEKIT_TOKEN',
      `no LiveKit credentials for room '${req.room}': set LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or LIVEKIT_TOKEN${req.apiKey && !req.apiSecret ? ' (LIVEKIT_API_SECRET is missing)' : ''}`,
      { kind: 'config' },
    );
  }
  const { AccessToken } = require('livekit-server-sdk') as typeof import('livekit-server-sdk');
  const at = new AccessToken(req.apiKey, req.apiSecret, { identity: req.identity, name: 'video-agent', ttl: req.ttlS ?? DEFAULT_TOKEN_TTL_S });
  at.addGrant({
    room: req.room,
    roomJoin: true,
    canSubscribe: true,
    canPublish: false,
    canPublishData: req.canPublishData ?? false,
    canUpdateOwnMetadata: false,
    agent: true,
  });
  return at.toJwt();
}
