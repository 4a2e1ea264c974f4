/**
 * Rules and alerts over the API: a stream's alerts (time range, cursor pages), the rules kept in the
 * `rules` table (added here; config-file rules stay in the config), and the dry-run of a rule over a
 * stream's stored rows. A stream's rules stage reloads API rules every `stages.rules.refreshS` (10 s), so
 * an added or deleted rule applies to running streams without a restart. Webhook secrets are named by
 * environment variable only; a rule naming one this server does not have is refused.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { VideoAgentError } from '../../errors';
import { page, streamExists, timeBound } from '../../results';
import { alertItem, alertsQuery, listAlerts } from '../../results/list-alerts';
import { deleteStoredRule, dryRunRule, getStoredRule, listStoredRules, putStoredRule, ruleSchema, webhookSecret, type Rule } from '../../rules';
import { streamIdSchema } from '../config/server-config';
import { errorBody } from '../http/error-reply';
import type { ServerContext } from '../server-context';
import { streamParams } from './stream-routes';

const errors = { 400: errorBody, 401: errorBody, 404: errorBody, 429: errorBody };

const storedRule = z.object({
  rule: z.record(z.string(), z.unknown()).meta({ description: 'the rule as validated (defaults filled in)' }),
  streamId: z.string().nullable().meta({ description: 'null: every stream' }),
  createdAt: z.string(),
});
const ruleBody = z.strictObject({
  rule: ruleSchema,
  streamId: streamIdSchema.optional().meta({ description: 'the stream it applies to; absent: every stream' }),
});
const ruleParams = z.object({ id: z.string().min(1).max(64) });
const rulesQuery = z.object({ streamId: streamIdSchema.optional() });
const dryRunBody = z.strictObject({
  rule: ruleSchema,
  streamId: streamIdSchema,
  from: timeBound.optional(),
  to: timeBound.optional(),
});
const dryRunAnswer = z.object({
  alerts: z.array(z.object({ alertId: z.string(), ptsUs: z.number().int(), t: z.number(), ts: z.string(), rule: z.string(), kind: z.string(), payload: z.record(z.string(), z.unknown()) })),
  scanned: z.record(z.string(), z.number()).meta({ description: 'messages rebuilt from stored rows, per topic' }),
  truncated: z.boolean(),
  note: z.string().nullable(),
});

/** A webhook whose secret variable is missing here would fail every delivery: a 400 naming the field. */
function checkSecrets(rule: Rule): void {
  rule.actions.webhooks.forEach((h, i) => {
    try { webhookSecret(h); } catch (err) { throw new VideoAgentError('E_BAD_RULE', `body.rule.actions.webhooks.${i}.secretEnv: ${(err as Error).message}`, { kind: 'bad_input' }); }
  });
}

const out = (r: { rule: Rule; streamId: string | null; createdAt: string }) => ({ rule: r.rule as unknown as Record<string, unknown>, streamId: r.streamId, createdAt: r.createdAt });

export async function ruleRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const pool = ctx.runtime.store.pool;
  const ready = () => ctx.runtime.store.migrateDone;
  const known = async (id: string) => {
    if (ctx.supervisor.has(id) || (await streamExists(pool, id))) return;
    throw new VideoAgentError('E_UNKNOWN_STREAM', `no stream '${id}' (neither running here nor in the database)`, { kind: 'not_found' });
  };

  r.get('/v1/streams/:id/alerts', {
    schema: { summary: 'Alerts fired by rules, by media time, with their delivery state', tags: ['alerts'], params: streamParams, querystring: alertsQuery, response: { 200: page(alertItem), ...errors } },
  }, async (req) => { await known(req.params.id); return listAlerts(pool, req.params.id, req.query); });

  r.get('/v1/rules', {
    schema: { summary: 'Rules added over the API (all, or those that apply to one stream)', tags: ['alerts'], querystring: rulesQuery, response: { 200: z.object({ rules: z.array(storedRule) }), ...errors } },
  }, async (req) => { await ready(); return { rules: (await listStoredRules(pool, req.query.streamId)).map(out) }; });

  r.get('/v1/rules/:id', {
    schema: { summary: 'One API rule', tags: ['alerts'], params: ruleParams, response: { 200: storedRule, ...errors } },
  }, async (req) => {
    await ready();
    const got = await getStoredRule(pool, req.params.id);
    if (!got) throw new VideoAgentError('E_UNKNOWN_RULE', `no rule '${req.params.id}'`, { kind: 'not_found' });
    return out(got);
  });

  r.post('/v1/rules', {
    schema: {
      summary: 'Add or replace a rule (by id); running streams apply it within their refresh interval', tags: ['alerts'], body: ruleBody,
      response: { 200: storedRule, 201: storedRule, ...errors },
    },
  }, async (req, reply) => {
    checkSecrets(req.body.rule);
    await ready();
    const created = await putStoredRule(pool, req.body.rule, req.body.streamId ?? null);
    const got = (await getStoredRule(pool, req.body.rule.id))!;
    return reply.code(created ? 201 : 200).send(out(got));
  });

  r.delete('/v1/rules/:id', {
    schema: { summary: 'Delete an API rule (its alerts stay)', tags: ['alerts'], params: ruleParams, response: { 200: z.object({ deleted: z.string() }), ...errors } },
  }, async (req) => {
    await ready();
    if (!(await deleteStoredRule(pool, req.params.id))) throw new VideoAgentError('E_UNKNOWN_RULE', `no rule '${req.params.id}'`, { kind: 'not_found' });
    return { deleted: req.params.id };
  });

  r.post('/v1/rules/dry-run', {
    schema: { summary: 'What a rule would have fired over a stream\'s stored rows (nothing is written or delivered)', tags: ['alerts'], body: dryRunBody, response: { 200: dryRunAnswer, ...errors } },
  }, async (req) => {
    await known(req.body.streamId);
    const res = await dryRunRule(pool, { rule: req.body.rule, streamId: req.body.streamId, from: req.body.from, to: req.body.to });
    return { ...res, alerts: res.alerts.map((a) => ({ alertId: a.alertId, ptsUs: a.ptsUs, t: a.ptsUs / 1e6, ts: new Date(a.ts).toISOString(), rule: a.rule, kind: a.kind, payload: a.payload })) };
  });
}
