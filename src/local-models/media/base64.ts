import { VideoAgentError } from '../../errors';

/** Accepts plain base64 or a `data:<mime>;base64,` URL; whitespace (line-wrapped base64) is tolerated. */
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL_BODY = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes base64 strictly. Node's Buffer.from(s, 'base64') silently skips invalid characters, which would
 * turn garbage into a few random bytes and a confusing "not an image" error later; reject it here instead.
 */
export function decodeBase64(value: unknown, what: string): Buffer {
  if (typeof value !== 'string') throw new VideoAgentError('E_BAD_INPUT', `${what}: expected a base64 string, got ${typeof value}`);
  let body = value;
  if (body.startsWith('data:')) {
    const comma = body.indexOf(',');
    if (comma < 0 || !body.slice(0, comma).endsWith(';base64')) {
      throw new VideoAgentError('E_BAD_INPUT', `${what}: data URL is not base64-encoded`);
    }
    body = body.slice(comma + 1);
  }
  body = body.replace(/\s+/g, '');
  if (body.length === 0) throw new VideoAgentError('E_BAD_INPUT', `${what}: empty base64 string`);
  const urlSafe = !BASE64_BODY.test(body) && BASE64URL_BODY.test(body);
  if ((!urlSafe && !BASE64_BODY.test(body)) || body.length % 4 === 1) {
    throw new VideoAgentError('E_BAD_INPUT', `${what}: not valid base64`);
  }
  return Buffer.from(body, urlSafe ? 'base64url' : 'base64');
}
