/** `/v1/session`: the dashboard's login (key → HttpOnly session cookie), its state, and logout. */
import type {} from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SESSION_COOKIE } from '../auth/sessions';
import { errorBody, sendError } from '../http/error-reply';
import type { ServerContext } from '../server-context';

const sessionState = z.object({ auth: z.boolean().describe('the server requires a key'), loggedIn: z.boolean() });

export async function sessionRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const secure = (req: { protocol: string }) => req.protocol === 'https';

  r.get('/v1/session', {
    schema: { summary: 'Whether a key is needed and whether this browser is logged in', tags: ['session'], response: { 200: sessionState } },
  }, async (req) => ({ auth: ctx.keys.enabled, loggedIn: !ctx.keys.enabled || req.keyId !== null || ctx.sessions.check(req.cookies[SESSION_COOKIE]) !== null }));

  r.post('/v1/session', {
    schema: {
      summary: 'Log in: exchange an API key for an HttpOnly, SameSite=Strict session cookie', tags: ['session'],
      body: z.strictObject({ key: z.string().min(1).max(512) }), response: { 204: z.null(), 400: errorBody, 401: errorBody, 429: errorBody },
    },
  }, async (req, reply) => {
    const keyId = ctx.keys.check(`Bearer ${req.body.key}`);
    if (ctx.keys.enabled && !keyId) return sendError(reply, 401, 'E_UNAUTHORIZED', 'wrong API key');
    const { token, maxAgeS } = ctx.sessions.create(keyId ?? 'open');
    reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secure(req), path: '/', maxAge: maxAgeS });
    return reply.code(204).send(null);
  });

  r.delete('/v1/session', {
    schema: { summary: 'Log out', tags: ['session'], response: { 204: z.null() } },
  }, async (req, reply) => {
    ctx.sessions.revoke(req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });
}
