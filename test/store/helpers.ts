import crypto from 'node:crypto';
import { Pool } from 'pg';
import { requirePostgres } from '../helpers/services';

/** A unique schema per test on the shared `test` database, dropped afterwards. */
export function uniqueSchema(prefix = 't_store'): string {
  return `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
}

export async function adminPool(): Promise<Pool> {
  const url = await requirePostgres();
  return new Pool({ connectionString: url, max: 2 });
}

export async function dropSchema(schema: string): Promise<void> {
  const pool = await adminPool();
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await pool.end();
  }
}

export const BASE_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
