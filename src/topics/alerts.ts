/**
 * `alerts`: one alert fired by a rule. `alertId` is stable per stream, rule and moment (the idempotency
 * key webhook receivers see), so an alert re-fired after a restart is recognised as the same one.
 */
import { z } from 'zod';
import { jsonCodec } from './codec';

export interface AlertMsg {
  streamId: string;
  /** Media time of the moment that fired the rule. */
  ptsUs: number;
  ts: number;
  alertId: string;
  /** The rule's id. */
  rule: string;
  /** The rule's kind: zone_dwell, line_crossing, keyword, threshold, stream_down. */
  kind: string;
  /** What fired it (track id, keyword, score…), kind-specific. */
  payload: Record<string, unknown>;
}

const wire = z.object({
  ts: z.number(),
  alert_id: z.string().min(1),
  rule: z.string().min(1),
  kind: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
});

export const alertsCodec = jsonCodec<AlertMsg, z.infer<typeof wire>>(
  'alerts', wire,
  (m) => ({ ts: m.ts, alert_id: m.alertId, rule: m.rule, kind: m.kind, payload: m.payload }),
  (w, streamId, ptsUs) => ({ streamId, ptsUs, ts: w.ts, alertId: w.alert_id, rule: w.rule, kind: w.kind, payload: w.payload }),
);
