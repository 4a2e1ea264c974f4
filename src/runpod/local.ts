import type { Logger } from 'pino';
import { RunpodClient } from './client';
import { loadRunpodConfig, withOverrides, type RunpodConfig } from './config';
import { InferenceClient } from './inference';
import { modelDefaultsFromEnv } from './models';
import { RunpodEmulator, type EmulatorConfigInput } from './emulator';

export interface LocalInference {
  client: InferenceClient;
  emulator: RunpodEmulator;
  close(): Promise<void>;
}

/**
 * The embedded default when RUNPOD_API_KEY is unset: an in-process emulator on 127.0.0.1:0 (local CPU models
 * unless its `backend:` config says otherwise) and a client pointed at it, holding the emulator's key (generated
 * at start unless configured). Cost settings still come from the env.
 */
export async function startLocalInference(
  opts: {
    emulator?: EmulatorConfigInput; env?: Record<string, string | undefined>; config?: Partial<RunpodConfig>; logger?: Logger;
    /** Endpoint ids whose local models start loading at once (in the background), not at their first job. */
    preload?: string[];
  } = {},
): Promise<LocalInference> {
  const emulator = await new RunpodEmulator({ ...opts.emulator, host: opts.emulator?.host ?? '127.0.0.1', port: opts.emulator?.port ?? 0 }).start();
  try {
    for (const id of opts.preload ?? []) {
      const ep = emulator.endpoints.get(id);
      // A model that fails to load fails its first job with the reason, as without preloading.
      if (ep?.backendKind === 'local') ep.preload().catch(() => undefined);
    }
    const env = { ...(opts.env ?? process.env) };
    delete env.RUNPOD_API_KEY;
    delete env.RUNPOD_API_KEY_FILE;
    const base = loadRunpodConfig({ ...env, RUNPOD_API_BASE: emulator.apiBase });
    // The emulator serves one endpoint per id of its config: point each model at the ones it has.
    const models: Partial<RunpodConfig['models']> = {};
    for (const m of Object.keys(base.models) as (keyof RunpodConfig['models'])[]) {
      const ids = base.models[m].endpointIds.filter((id) => emulator.endpoints.has(id));
      models[m] = { ...base.models[m], endpointIds: ids };
    }
    const config = withOverrides(base, { ...(opts.config as object), apiKey: emulator.apiKey, localEmulator: true, models });
    const runpod = new RunpodClient(config, { logger: opts.logger });
    const client = new InferenceClient(runpod, modelDefaultsFromEnv(env));
    return {
      client,
      emulator,
      close: async () => {
        await client.close();
        await emulator.close();
      },
    };
  } catch (err) {
    await emulator.close();
    throw err;
  }
}

/** A client for production (RUNPOD_API_KEY set) or the local emulator otherwise. */
export async function createInference(
  env: Record<string, string | undefined> = process.env,
  opts: { preload?: string[] } = {},
): Promise<{ client: InferenceClient; close(): Promise<void>; local: boolean }> {
  const config = loadRunpodConfig(env);
  if (!config.apiKey) {
    const l = await startLocalInference({ env, preload: opts.preload });
    return { client: l.client, close: l.close, local: true };
  }
  const client = new InferenceClient(new RunpodClient(config), modelDefaultsFromEnv(env));
  return { client, close: () => client.close(), local: false };
}
