/** Shared set-up for the e2e tests: a fresh schema on the real Postgres and the local emulator. */
import type { Pool } from 'pg';
import { openStore, type Store } from '../../src/store';
import { startLocalInference, type LocalInference, type EmulatorConfigInput } from '../../src/runpod';
import { openRuntime, type Runtime } from '../../src/analyze/runtime';
import type { StageServices } from '../../src/stages';
import type { DetectPort } from '../../src/runpod/inference';
import { requirePostgres } from '../helpers/services';

export interface E2eEnv { store: Store; inference: LocalInference; rt: Runtime; close(): Promise<void> }

export async function e2eEnv(schema: string, opts: { emulator?: EmulatorConfigInput; env?: Record<string, string> } = {}): Promise<E2eEnv> {
  const url = await requirePostgres();
  const admin = await openStore({ databaseUrl: url, migrate: false });
  await admin.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.close();
  const store = await openStore({ databaseUrl: url, schema, writer: { maxAgeMs: 50 } });
  const inference = await startLocalInference({ emulator: opts.emulator, env: opts.env ?? {} });
  const rt = await openRuntime({ store, runpod: inference.client.runpod });
  return {
    store, inference, rt,
    async close() {
      await rt.close();
      await inference.close();
      await store.close();
    },
  };
}

export async function rows<T = Record<string, unknown>>(pool: Pool, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await pool.query(sql, params)).rows as T[];
}

/** The runtime's stage services with the detection endpoint replaced (a fake or a stalled one). */
export function withDetect(rt: Runtime, detect: DetectPort): StageServices {
  const inf = rt.inference;
  return {
    rows: rt.services.rows,
    inference: {
      detect: (images, opts) => detect.detect(images, opts),
      transcribe: (wav, opts) => inf.transcribe(wav, opts),
      describe: (req, opts) => inf.describe(req, opts),
      emotions: (faces, opts) => inf.emotions(faces, opts),
      diarize: (wav, opts) => inf.diarize(wav, opts),
    },
  };
}
