/**
 * The HTTP + WebSocket API on fastify: zod schemas on every route (validation, serialization and the
 * generated OpenAPI document at /openapi.json, Swagger UI at /docs), Bearer API keys, a rate limit per key,
 * a body size limit, CORS only when configured, one error shape (src/server/http/error-reply.ts) and JSON
 * logs with a request id per request.
 */
import crypto from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, jsonSchemaTransform } from 'fastify-type-provider-zod';
import { childLogger } from '../obs/logger';
import { errorHandler, sendError } from './http/error-reply';
import type { ServerContext } from './server-context';
import type {} from '@fastify/cookie';
import { healthRoutes } from './routes/health-routes';
import { streamRoutes } from './routes/stream-routes';
import { liveRoute } from './routes/live-route';
import { clipRoutes } from './routes/clip-routes';
import { ruleRoutes } from './routes/rule-routes';
import { sessionRoutes } from './routes/session-routes';
import { dashboardRoutes } from './dashboard/dashboard-routes';
import { SESSION_COOKIE } from './auth/sessions';

declare module 'fastify' {
  interface FastifyRequest {
    /** Digest prefix of the API key used (null when keys are off). */
    keyId: string | null;
  }
}

/** Paths anyone may read: probes, the API's own description, the dashboard's files and its login. */
const PUBLIC = [/^\/healthz$/, /^\/readyz$/, /^\/openapi\.json$/, /^\/docs(\/|$)/, /^\/$/, /^\/ui\//, /^\/v1\/session$/];

export type Extra = (app: FastifyInstance, ctx: ServerContext) => Promise<void> | void;

export async function buildApp(ctx: ServerContext, extra: Extra[] = []): Promise<FastifyInstance> {
  const s = ctx.settings;
  const app = Fastify({
    loggerInstance: childLogger({ component: 'http' }),
    bodyLimit: s.bodyLimitBytes,
    // Only named proxies: trusting every X-Forwarded-For would let any client pick its own rate-limit key.
    trustProxy: s.trustProxy.length ? s.trustProxy : false,
    // A caller's X-Request-Id is kept when it is a sane token; otherwise one is made.
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(h) ? h : crypto.randomUUID();
    },
    requestIdHeader: false,
    routerOptions: { maxParamLength: 200 },
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, 'E_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  app.decorateRequest('keyId', null);
  app.addHook('onSend', async (req, reply) => { reply.header('x-request-id', req.id); });

  await app.register(require('@fastify/swagger'), {
    openapi: {
      info: { title: 'video-agent', description: 'Live and recorded video analysis: streams, results, search, live topics', version: require('../../package.json').version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: ctx.keys.enabled ? [{ bearer: [] }] : [],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(require('@fastify/swagger-ui'), { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(require('@fastify/cookie'));
  // Auth before anything else reads the request (rate limiting keys on the authenticated key): a Bearer
  // key, or the dashboard's session cookie (src/server/auth/sessions.ts).
  app.addHook('onRequest', async (req, reply) => {
    const p = req.url.split('?')[0];
    const bearer = ctx.keys.check(req.headers.authorization);
    if (bearer) { req.keyId = bearer; return; }
    if (!ctx.keys.enabled || PUBLIC.some((r) => r.test(p))) return;
    const session = ctx.sessions.check(req.cookies?.[SESSION_COOKIE]);
    if (session) {
      // A cookie rides along with cross-site requests in old browsers: state changes and WebSocket
      // upgrades authenticated by cookie must come from this origin.
      const origin = req.headers.origin;
      if ((req.method !== 'GET' || req.headers.upgrade) && origin && !sameOrigin(origin, req.headers.host)) {
        return sendError(reply, 403, 'E_CROSS_ORIGIN', 'cross-origin request with a session cookie refused');
      }
      req.keyId = session;
      return;
    }
    reply.header('www-authenticate', 'Bearer');
    return sendError(reply, 401, 'E_UNAUTHORIZED', 'missing or invalid API key (send Authorization: Bearer <key>, or log in at /)');
  });
  await app.register(require('@fastify/rate-limit'), {
    global: true, max: s.rateLimit.max, timeWindow: s.rateLimit.windowS * 1000,
    keyGenerator: (req: FastifyRequest) => req.keyId ?? req.ip,
    allowList: (req: FastifyRequest) => /^\/(healthz|readyz|metrics)$/.test(req.url.split('?')[0]),
  });
  if (s.corsOrigins.length) await app.register(require('@fastify/cors'), { origin: s.corsOrigins, credentials: true });
  await app.register(require('@fastify/websocket'), { options: { maxPayload: 64 * 1024 } });

  await healthRoutes(app, ctx);
  await sessionRoutes(app, ctx);
  await dashboardRoutes(app);
  await streamRoutes(app, ctx);
  await liveRoute(app, ctx);
  await ruleRoutes(app, ctx);
  await clipRoutes(app, ctx);
  for (const e of extra) await e(app, ctx);
  return app;
}


function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
