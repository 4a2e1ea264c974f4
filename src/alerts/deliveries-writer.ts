/** The one writer of `deliveries` (sql/004_alerts.sql): one row per attempt, idempotent on its key. */
import type { Pool } from 'pg';
import type { DeliveryAttempt, DeliveryLog } from './webhook-deliverer';

export function pgDeliveryLog(pool: Pool): DeliveryLog {
  return {
    async recordAttempt(a) {
      await pool.query(
        `INSERT INTO deliveries (alert_id, target, attempt, ts, status, ok, final, error, latency_ms)
         VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [a.alertId, a.target, a.attempt, a.ts, a.status, a.ok, a.final, a.error, a.latencyMs]);
    },
  };
}

export type { DeliveryAttempt };
