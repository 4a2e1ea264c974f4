/**
 * What one analyze/worker process holds: the store (DATABASE_URL or embedded PGlite, migrated at start),
 * the inference client (RUNPOD_API_KEY or the local emulator with CPU models), and the services every
 * stage gets built on them. Injected parts (tests, benchmarks) are not closed here.
 */
import { VideoAgentError } from '../errors';
import { openStore, type Store } from '../store';
import { createInference, type InferenceClient, type RunpodClient } from '../runpod';
import { modelDefaultsFromEnv } from '../runpod/models';
import { InferenceClient as Client } from '../runpod/inference';
import { stageModules, type StageServices } from '../stages';
import { hasSecretEnv, secretEnv } from '../config/secret-env';

export interface RuntimeOptions {
  env?: Record<string, string | undefined>;
  /** Use this store instead of opening one (not closed by the runtime). */
  store?: Store;
  /** Use this RunPod client instead of creating one (not closed by the runtime). */
  runpod?: RunpodClient;
  dataDir?: string;
  /** Endpoints whose local models load at start (default: those of the default stages). */
  preload?: string[];
}

export interface Runtime {
  store: Store;
  runpod: RunpodClient;
  inference: InferenceClient;
  /** True when inference runs on the in-process emulator with local CPU models. */
  localInference: boolean;
  services: StageServices;
  close(): Promise<void>;
}

export async function openRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  const env = opts.env ?? process.env;
  const closers: (() => Promise<void>)[] = [];
  try {
    // The database and the inference client start side by side: PGlite start-up and migrations take
    // about as long as the emulator and its local models.
    const inferenceReady = opts.runpod
      ? Promise.resolve({ client: new Client(opts.runpod, modelDefaultsFromEnv(env)), local: false, own: false, close: async () => undefined })
      : createInference(env, { preload: opts.preload ?? preloadEndpoints() }).then((inf) => ({ ...inf, own: true }));
    inferenceReady.catch(() => undefined);
    let store = opts.store;
    try {
      if (!store) {
        store = await openStore({ databaseUrl: secretEnv('DATABASE_URL', env), dataDir: opts.dataDir });
        const s = store;
        closers.push(() => s.close());
      }
      await withTimeout(store.migrateDone, 20_000, () => new VideoAgentError('E_DB_UNREACHABLE', `cannot reach the database${hasSecretEnv('DATABASE_URL', env) ? ' at DATABASE_URL' : ''} (migrations did not complete within 20 s)`, { kind: 'unreachable' }));
    } catch (err) {
      await inferenceReady.then((i) => i.close(), () => undefined);
      throw err;
    }
    const inf = await inferenceReady;
    const inference: InferenceClient = inf.client;
    const localInference = inf.local;
    // An injected RunPod client stays open: only our listener on its cost meter is ours.
    closers.push(inf.own ? () => inf.close() : async () => inf.client.detach());
    const services: StageServices = { rows: store, inference };
    return {
      store, runpod: inference.runpod, inference, localInference, services,
      async close() {
        for (const c of closers.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

/** The endpoints of the default stages: their local models load while the database starts. */
function preloadEndpoints(): string[] {
  return stageModules().filter((m) => m.default && m.endpoint).map((m) => m.endpoint as string);
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { t = setTimeout(() => reject(onTimeout()), ms); })]);
  } finally {
    clearTimeout(t);
  }
}
