/**
 * The `rules` table (sql/005_moments.sql): rules added over the API, one row per rule id, for one stream
 * or (stream_id null) every stream. The spec is stored as validated, so it is re-validated on read only to
 * survive a schema change: a row that no longer parses is reported, not applied.
 */
import type { Pool } from 'pg';
import { childLogger } from '../obs/logger';
import { ruleSchema, type Rule } from './rule-schema';

const log = childLogger({ module: 'rules-table' });

export interface StoredRule { rule: Rule; streamId: string | null; createdAt: string }

interface RuleRow { rule_id: string; stream_id: string | null; spec: unknown; created_at: Date }

function fromRow(r: RuleRow): StoredRule | null {
  const p = ruleSchema.safeParse(r.spec);
  if (!p.success) { log.warn({ rule: r.rule_id, issue: p.error.issues[0]?.message }, 'stored rule no longer valid; ignored'); return null; }
  return { rule: p.data, streamId: r.stream_id, createdAt: r.created_at.toISOString() };
}

/** Every stored rule, or those that apply to one stream (its own and the ones for every stream). */
export async function listStoredRules(pool: Pool, streamId?: string): Promise<StoredRule[]> {
  const res = streamId === undefined
    ? await pool.query<RuleRow>('SELECT rule_id, stream_id, spec, created_at FROM rules ORDER BY rule_id')
    : await pool.query<RuleRow>('SELECT rule_id, stream_id, spec, created_at FROM rules WHERE stream_id IS NULL OR stream_id = $1 ORDER BY rule_id', [streamId]);
  return res.rows.map(fromRow).filter((r): r is StoredRule => r !== null);
}

export async function getStoredRule(pool: Pool, ruleId: string): Promise<StoredRule | null> {
  const res = await pool.query<RuleRow>('SELECT rule_id, stream_id, spec, created_at FROM rules WHERE rule_id = $1', [ruleId]);
  return res.rows[0] ? fromRow(res.rows[0]) : null;
}

/** Adds or replaces a rule; true when it was new. */
export async function putStoredRule(pool: Pool, rule: Rule, streamId: string | null): Promise<boolean> {
  const res = await pool.query<{ inserted: boolean }>(
    `INSERT INTO rules (rule_id, stream_id, spec) VALUES ($1, $2, $3)
     ON CONFLICT (rule_id) DO UPDATE SET stream_id = EXCLUDED.stream_id, spec = EXCLUDED.spec
     RETURNING (xmax = 0) AS inserted`, [rule.id, streamId, JSON.stringify(rule)]);
  return res.rows[0]?.inserted ?? false;
}

export async function deleteStoredRule(pool: Pool, ruleId: string): Promise<boolean> {
  const res = await pool.query('DELETE FROM rules WHERE rule_id = $1', [ruleId]);
  return (res.rowCount ?? 0) > 0;
}
