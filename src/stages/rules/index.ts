/**
 * rules: detections, transcripts, events, emotions, highlights and stream states → the stream's rules
 * (src/rules) → `alerts` rows, `alerts` messages and signed webhook deliveries (every attempt a
 * `deliveries` row). Off unless a stream has rules (serve adds it then; see plan-stream.ts).
 */
import { z } from 'zod';
import { DEFAULT_DELIVERY } from '../../alerts';
import { VideoAgentError } from '../../errors';
import { webhookSecret } from '../../rules/alert-dispatcher';
import { ruleListSchema } from '../../rules/rule-schema';
import { optionsOf } from '../common/options';
import type { StageModule } from '../stage';
import { RulesStage } from './rules-stage';

export const rulesOptionsSchema = z.object({
  rules: ruleListSchema.default([]),
  delivery: z.strictObject({
    maxAttempts: z.number().int().min(1).max(20).default(DEFAULT_DELIVERY.maxAttempts),
    baseDelayMs: z.number().int().min(1).max(60_000).default(DEFAULT_DELIVERY.baseDelayMs),
    maxDelayMs: z.number().int().min(1).max(3_600_000).default(DEFAULT_DELIVERY.maxDelayMs),
    timeoutMs: z.number().int().min(100).max(120_000).default(DEFAULT_DELIVERY.timeoutMs),
  }).prefault({}),
  /** Deliveries queued per stream; beyond it a delivery waits for the redelivery sweep. */
  queueCapacity: z.number().int().min(1).max(100_000).default(1000),
  /** Deliveries in flight per stream. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Seconds between reloads of the API-added rules (0: load them once, at start). */
  refreshS: z.number().min(0).max(3600).default(10),
  /** At stream end, how long deliveries still retrying are waited for. */
  drainTimeoutS: z.number().min(0).max(600).default(10),
  redeliverWithinS: z.number().min(0).max(30 * 86_400).default(86_400),
});

export const rulesStage: StageModule = {
  name: 'rules',
  description: 'rules over tracks, speech, scores and stream states → alerts rows, `alerts` messages, signed webhooks',
  consumes: ['detections', 'transcripts', 'events', 'emotions', 'highlights', 'state'],
  produces: ['alerts'],
  tables: [],
  endpoint: null,
  default: false,
  options: rulesOptionsSchema,
  create(ctx) {
    const o = optionsOf('rules', rulesOptionsSchema, ctx.options);
    // A webhook without its secret would fail every delivery: refuse the stream now instead.
    for (const r of o.rules) for (const h of r.actions.webhooks) {
      try { webhookSecret(h); } catch (err) { throw new VideoAgentError('E_BAD_RULE', `stages.rules: rule ${r.id}: ${(err as Error).message}`, { kind: 'config' }); }
    }
    const stage = new RulesStage({
      streamId: ctx.streamId, rules: o.rules, store: ctx.services.rows.alerts, publish: ctx.publish, delivery: o.delivery,
      queueCapacity: o.queueCapacity, concurrency: o.concurrency, refreshS: o.refreshS, drainTimeoutS: o.drainTimeoutS,
      redeliverWithinS: o.redeliverWithinS, upstream: ctx.upstream,
    });
    return {
      handle: (input) => stage.push(input),
      handleBatch: (inputs) => stage.pushBatch(inputs),
      finish: () => stage.finish(),
      stats: () => stage.getStats(),
    };
  },
};

export { RulesStage, type RulesStageOptions, type RulesStats } from './rules-stage';
