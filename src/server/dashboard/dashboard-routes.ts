/**
 * The dashboard's static files (`/` and `/ui/*`): plain ES modules, no build step. They hold no data and
 * no secret, so they load before login; everything they show comes from the authenticated API.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

/** Same folder from src/ (tsx) and from dist/ (compiled): the files ship in the package, not in dist. */
export const DASHBOARD_DIR = path.resolve(__dirname, '..', '..', '..', 'src', 'server', 'dashboard', 'public');

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  await app.register(require('@fastify/static'), {
    root: DASHBOARD_DIR, prefix: '/ui/', decorateReply: false, index: false, cacheControl: true, maxAge: '5m',
  });
  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'");
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(require('node:fs').readFileSync(path.join(DASHBOARD_DIR, 'index.html')));
  });
}
