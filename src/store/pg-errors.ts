/**
 * Is this error "the database is unreachable" (worth spooling and retrying) rather than "this data or SQL
 * is wrong" (retrying would fail forever)? Node socket errors, pg pool/connection messages, and SQLSTATE
 * classes 08 (connection exception) and 57P0x (server shutting down / cannot connect now).
 */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /connection is closed/i, /Client was closed/i, /Cannot use a pool after calling end/i];

export function isConnectionError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (NET_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code)) return true;
  if (typeof e.message === 'string' && MESSAGES.some((re) => re.test(e.message as string))) return true;
  // AggregateError from a dual-stack connect attempt.
  if (Array.isArray(e.errors)) return e.errors.some(isConnectionError);
  return false;
}
