import pino, { type Logger } from 'pino';
import { RunpodClient } from '../../src/runpod/client';
import { loadRunpodConfig, withOverrides, type RunpodConfig } from '../../src/runpod/config';
import { InferenceClient } from '../../src/runpod/inference';
import { RunpodEmulator, type EmulatorConfigInput } from '../../src/runpod/emulator';

type Overrides = Parameters<typeof withOverrides>[1];

/** Small timings so resilience paths run in milliseconds. */
export const FAST: Overrides = {
  retry: { maxRetries: 3, initialDelayMs: 5, maxDelayMs: 20 },
  breaker: { consecutiveFailures: 3, halfOpenAfterMs: 200 },
  pollIntervalMs: 5,
  pollMaxIntervalMs: 20,
  runsyncWaitMs: 2000,
  callTimeoutMs: 10_000,
};

export interface Rig {
  emulator: RunpodEmulator;
  client: RunpodClient;
  inference: InferenceClient;
  logs: string[];
  close(): Promise<void>;
}

/** An in-process emulator (stub backends unless told) and a client pointed at it, logging into `logs`. */
export async function rig(emu: EmulatorConfigInput, overrides: Overrides = {}, env: Record<string, string> = {}): Promise<Rig> {
  const emulator = await new RunpodEmulator({ sweepIntervalMs: 10, ...emu }).start();
  const base = loadRunpodConfig({ ...env, RUNPOD_API_BASE: emulator.apiBase });
  const ids = Object.keys(emulator.config.endpoints);
  const models: NonNullable<Overrides['models']> = {};
  for (const m of Object.keys(base.models) as (keyof RunpodConfig['models'])[]) models[m] = { endpointIds: ids.includes(m) ? [m] : [] };
  // The emulator's own key (generated at start) unless the test sets RUNPOD_API_KEY (a right or wrong key).
  const config = withOverrides(base, { ...FAST, models, apiKey: env.RUNPOD_API_KEY ?? emulator.apiKey, ...overrides, retry: { ...FAST.retry!, ...overrides.retry }, breaker: { ...FAST.breaker!, ...overrides.breaker } } as Overrides);
  if (overrides.models) for (const [m, v] of Object.entries(overrides.models)) config.models[m as keyof RunpodConfig['models']] = { ...config.models[m as keyof RunpodConfig['models']], ...v };
  const logs: string[] = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(s) });
  const client = new RunpodClient(config, { logger });
  return {
    emulator,
    client,
    inference: new InferenceClient(client),
    logs,
    close: async () => {
      await client.close();
      await emulator.close();
    },
  };
}

/** A stub-backed endpoint for each model id given. */
export function stubEndpoints(ids: string[], extra: Record<string, unknown> = {}): EmulatorConfigInput['endpoints'] {
  return Object.fromEntries(ids.map((id) => [id, { backend: 'stub', ...extra }]));
}

export const TINY_B64 = Buffer.from('not really a jpeg but schema-valid').toString('base64');

/** A fresh emulator for one test (fast sweeps), always closed. */
export async function withEmulator(cfg: EmulatorConfigInput, fn: (em: RunpodEmulator) => Promise<void>): Promise<void> {
  const em = await new RunpodEmulator({ sweepIntervalMs: 10, ...cfg }).start();
  try {
    await fn(em);
  } finally {
    await em.close();
  }
}
