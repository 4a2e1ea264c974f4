/** `/v1/streams`: list, add at runtime, inspect (state, stats, cost so far), stop and remove, restart. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { streamIdSchema, streamSpecSchema } from '../config/server-config';
import { errorBody } from '../http/error-reply';
import { streamViewSchema } from '../supervisor/stream-view';
import type { ServerContext } from '../server-context';

export const streamParams = z.object({ id: streamIdSchema });

const costSchema = z.object({
  usd: z.number(),
  gpuSeconds: z.number(),
  calls: z.array(z.object({ endpoint: z.string(), calls: z.number(), failed: z.number(), gpuSeconds: z.number(), costUsd: z.number(), avgMs: z.number() })),
});
const streamDetail = streamViewSchema.extend({
  cost: costSchema,
  skips: z.array(z.object({ stage: z.string(), reason: z.string(), count: z.number() })).describe('media not analysed, by stage and reason'),
});
const errors = { 400: errorBody, 401: errorBody, 404: errorBody, 409: errorBody, 413: errorBody, 429: errorBody };

export async function streamRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const sup = ctx.supervisor;

  r.get('/v1/streams', {
    schema: { summary: 'Streams this server runs', tags: ['streams'], response: { 200: z.object({ streams: z.array(streamViewSchema) }), ...errors } },
  }, async () => ({ streams: sup.list() }));

  r.post('/v1/streams', {
    schema: { summary: 'Add a stream at runtime', tags: ['streams'], body: streamSpecSchema, response: { 201: streamViewSchema, ...errors } },
  }, async (req, reply) => reply.code(201).send(sup.add(req.body, 'api')));

  r.get('/v1/streams/:id', {
    schema: { summary: 'One stream: state, ingest and stage stats, cost so far', tags: ['streams'], params: streamParams, response: { 200: streamDetail, ...errors } },
  }, async (req) => {
    const view = sup.view(req.params.id);
    const [calls, skips] = await Promise.all([ctx.runtime.store.endpointCallSummary(req.params.id), ctx.runtime.store.skipSummary(req.params.id)]);
    return {
      ...view, skips,
      cost: { usd: calls.reduce((a, c) => a + c.costUsd, 0), gpuSeconds: calls.reduce((a, c) => a + c.gpuSeconds, 0), calls },
    };
  });

  r.delete('/v1/streams/:id', {
    schema: { summary: 'Stop (draining its stages) and remove a stream; its data is kept', tags: ['streams'], params: streamParams, response: { 200: streamViewSchema, ...errors } },
  }, async (req) => sup.remove(req.params.id));

  r.post('/v1/streams/:id/restart', {
    schema: { summary: 'Restart a stream (after a failure, or to pick up a changed source)', tags: ['streams'], params: streamParams, response: { 202: streamViewSchema, ...errors } },
  }, async (req, reply) => reply.code(202).send(await sup.restart(req.params.id)));
}
