/** Probes and metrics: /healthz (the process answers), /readyz (database, bus, endpoints), /metrics. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { registry } from '../../obs/metrics';
import type { ServerContext } from '../server-context';

const started = Date.now();

const readyBody = z.object({
  ready: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional(), ms: z.number() })),
});

export async function healthRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', {
    schema: { summary: 'Liveness: the process answers', tags: ['health'], response: { 200: z.object({ ok: z.literal(true), uptimeS: z.number() }) } },
  }, async () => ({ ok: true as const, uptimeS: Math.round((Date.now() - started) / 1000) }));

  r.get('/readyz', {
    schema: { summary: 'Readiness: database, bus and inference endpoints', tags: ['health'], response: { 200: readyBody, 503: readyBody } },
  }, async (_req, reply) => {
    const checks = await ctx.readiness();
    const ready = checks.every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });

  r.get('/v1/endpoints', {
    schema: {
      summary: 'Inference endpoints and their circuit breaker state', tags: ['health'],
      response: { 200: z.object({ local: z.boolean(), endpoints: z.array(z.object({ model: z.string(), endpointId: z.string(), state: z.string() })) }) },
    },
  }, async () => ({ local: ctx.runtime.localInference, endpoints: ctx.breakers() }));

  r.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['health'] } }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
