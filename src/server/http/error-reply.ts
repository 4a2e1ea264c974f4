/**
 * One error shape for every route: `{ error: { code, message, field? } }`. The status comes from the
 * error's kind, decided where it was created (src/errors.ts); bad input of any sort (schema, body size,
 * JSON syntax, unknown stream) is a 4xx naming the problem, never a 5xx. Unexpected errors are logged with
 * the request id and answered without internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isVideoAgentError, type ErrorKind } from '../../errors';
import { scrubUserinfo } from '../../obs/redact';

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
}).describe('An error');
export type ErrorBody = z.infer<typeof errorBody>;

const STATUS: Record<ErrorKind, number> = {
  bad_input: 400, config: 400, not_found: 404, unauthorized: 401, conflict: 409, rate_limited: 429,
  aborted: 503, unreachable: 503, breaker_open: 503, spend_cap: 503, deadline: 504, bad_reply: 502, remote_failure: 502, internal: 500,
};

export function statusOf(kind: ErrorKind): number {
  return STATUS[kind] ?? 500;
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, field?: string): FastifyReply {
  return reply.code(status).send({ error: { code, message: scrubUserinfo(message), ...(field ? { field } : {}) } });
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const v = err.validation[0];
    const where = err.validationContext ?? 'request';
    const field = `${where}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}`;
    return sendError(reply, 400, 'E_BAD_REQUEST', `${field}: ${v.message ?? 'invalid'}`, field);
  }
  if (isVideoAgentError(err)) {
    const status = statusOf(err.kind);
    if (status >= 500) req.log.error({ err }, 'request failed');
    if (err.kind === 'rate_limited') reply.header('retry-after', '1');
    return sendError(reply, status, err.code, err.message);
  }
  // fastify's own client errors: body too large (413), bad JSON (400), unsupported media type (415)…
  const sc = err.statusCode ?? 500;
  if (sc >= 400 && sc < 500) return sendError(reply, sc, err.code ?? 'E_BAD_REQUEST', err.message);
  req.log.error({ err }, 'request failed');
  return sendError(reply, 500, 'E_INTERNAL', 'internal error (see the server log for this request id)');
}
