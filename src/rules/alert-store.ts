/**
 * What the rules stage keeps in the database: `alerts` rows (this is their one writer), the `deliveries`
 * attempt log (src/alerts/deliveries-writer.ts), the alerts still owed a delivery (the redelivery sweep)
 * and the API-added rules of a stream. Stages see it as the optional `alerts` member of RowWriters.
 */
import type { Pool } from 'pg';
import { pgDeliveryLog, type DeliveryLog } from '../alerts';
import type { AlertMsg } from '../topics';
import type { Rule } from './rule-schema';
import { listStoredRules } from './rules-table';

export interface AlertStore {
  /** Stores the alert once (its id is the key); true when this call stored it, false when it was there. */
  writeAlert(a: AlertMsg): Promise<boolean>;
  deliveryLog: DeliveryLog;
  /**
   * Alerts of a rule fired since `sinceMs` (wall clock) that `target` never accepted and never finally
   * refused (a 4xx other than 408/429), with the attempts already made: a restart delivers them again.
   */
  undelivered(streamId: string, rule: string, target: string, sinceMs: number, limit: number): Promise<{ alert: AlertMsg; attempts: number }[]>;
  /** Rules added over the API that apply to the stream. */
  apiRules(streamId: string): Promise<Rule[]>;
}

interface AlertRow { alert_id: string; stream_id: string; ts: Date; pts_us: string; rule: string; kind: string; payload: Record<string, unknown>; attempts?: number }

export function alertFromRow(r: AlertRow): AlertMsg {
  return { alertId: r.alert_id, streamId: r.stream_id, ts: r.ts.getTime(), ptsUs: Number(r.pts_us), rule: r.rule, kind: r.kind, payload: r.payload ?? {} };
}

/** `ready`: the store's migrations (nothing is written before the tables exist). */
export function pgAlertStore(pool: Pool, ready: Promise<unknown> = Promise.resolve()): AlertStore {
  const deliveries = pgDeliveryLog(pool);
  return {
    async writeAlert(a) {
      await ready;
      const res = await pool.query(
        `INSERT INTO alerts (alert_id, stream_id, ts, pts_us, rule, kind, payload)
         VALUES ($1, $2, to_timestamp($3 / 1000.0), $4, $5, $6, $7) ON CONFLICT (alert_id) DO NOTHING`,
        [a.alertId, a.streamId, a.ts, a.ptsUs, a.rule, a.kind, JSON.stringify(a.payload)]);
      return (res.rowCount ?? 0) > 0;
    },
    deliveryLog: { recordAttempt: async (x) => { await ready; await deliveries.recordAttempt(x); } },
    async undelivered(streamId, rule, target, sinceMs, limit) {
      await ready;
      const res = await pool.query<AlertRow>(
        `SELECT a.alert_id, a.stream_id, a.ts, a.pts_us, a.rule, a.kind, a.payload,
                COALESCE((SELECT max(d.attempt) FROM deliveries d WHERE d.alert_id = a.alert_id AND d.target = $3), 0)::int AS attempts
         FROM alerts a
         WHERE a.stream_id = $1 AND a.rule = $2 AND a.ts >= to_timestamp($4 / 1000.0)
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.alert_id AND d.target = $3
                           AND (d.ok OR (d.final AND d.status BETWEEN 400 AND 499 AND d.status NOT IN (408, 429))))
         ORDER BY a.ts LIMIT $5`, [streamId, rule, target, sinceMs, limit]);
      return res.rows.map((r) => ({ alert: alertFromRow(r), attempts: r.attempts ?? 0 }));
    },
    async apiRules(streamId) {
      await ready;
      return (await listStoredRules(pool, streamId)).map((r) => r.rule);
    },
  };
}
