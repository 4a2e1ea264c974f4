/** Alerts of one stream (the rules stage's `alerts` rows) in media-time order, one keyset page; each with its delivery state. */
import type { Pool } from 'pg';
import { z } from 'zod';
import { iso, keysetPage, seconds, type ListSpec } from './keyset-page';
import { pageShape, withTimeRange, type Page } from './schemas';

export const alertsQuery = withTimeRange({
  ...pageShape,
  rule: z.string().min(1).max(64).optional().meta({ description: 'a rule id' }),
  kind: z.enum(['zone_dwell', 'line_crossing', 'keyword', 'threshold', 'stream_down']).optional(),
});
export type AlertsQuery = z.output<typeof alertsQuery>;

export const alertItem = z.object({
  alertId: z.string().meta({ description: 'stable per stream, rule and moment; the webhook idempotency key' }),
  ptsUs: z.number().int(),
  t: z.number().meta({ description: 'media seconds' }),
  ts: z.string(),
  rule: z.string(),
  kind: z.string(),
  payload: z.record(z.string(), z.unknown()),
  delivery: z.object({
    attempts: z.number().int(),
    delivered: z.boolean().meta({ description: 'some webhook target accepted it (2xx)' }),
    pending: z.boolean().meta({ description: 'a target has neither accepted it nor given up yet' }),
  }),
});
export type AlertItem = z.output<typeof alertItem>;

export const alertsList: ListSpec<AlertItem> = {
  table: 'alerts',
  // Delivery state per alert from its attempts (deliveries rows), in the same query.
  columns: `alert_id, pts_us, ts, rule, kind, payload,
    (SELECT count(*) FROM deliveries d WHERE d.alert_id = alerts.alert_id)::int AS attempts,
    EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.alert_id AND d.ok) AS delivered,
    EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.alert_id)
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.alert_id AND d.final) AS pending`,
  keys: [{ column: 'pts_us', sqlType: 'bigint' }, { column: 'alert_id', sqlType: 'text' }],
  span: 'point',
  toItem: (r) => ({
    alertId: r.alert_id as string, ptsUs: Number(r.pts_us), t: seconds(r.pts_us), ts: iso(r.ts), rule: r.rule as string, kind: r.kind as string,
    payload: (r.payload ?? {}) as Record<string, unknown>,
    delivery: { attempts: r.attempts as number, delivered: r.delivered as boolean, pending: r.pending as boolean },
  }),
};

export function listAlerts(pool: Pool, streamId: string, q: AlertsQuery): Promise<Page<AlertItem>> {
  return keysetPage(pool, alertsList, streamId, {
    ...q,
    where: (p) => [
      ...(q.rule !== undefined ? [`rule = ${p.add(q.rule, 'text')}`] : []),
      ...(q.kind !== undefined ? [`kind = ${p.add(q.kind, 'text')}`] : []),
    ],
  });
}
