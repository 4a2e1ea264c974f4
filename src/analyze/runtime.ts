/**
 * What one analyze/worker process holds: the store (DATABASE_URL or embedded PGlite, migrated at start),
 * the inference client (RUNPOD_API_KEY or the local emulator with CPU workers), the stage ports built on
 * them, and optionally an external publisher (Redis). Injected parts (tests, benchmarks) are not closed here.
 */
import { VideoAgentError } from '../errors';
import { openStore, type Store } from '../store';
import { createInference, type RunpodClient } from '../runpod';
import type { AnalyzerPorts } from './stream-analyzer';
import { inferencePorts, type InferencePorts } from './adapters/inference';
import { prosodyPort } from './adapters/prosody';
import { storeSink } from './adapters/store';
import { byteTrackFactory } from './adapters/tracker';
import type { Publisher } from '../stages/ports';

export interface RuntimeOptions {
  env?: Record<string, string | undefined>;
  /** Use this store instead of opening one (not closed by the runtime). */
  store?: Store;
  /** Use this RunPod client instead of creating one (not closed by the runtime). */
  runpod?: RunpodClient;
  publisher?: Publisher;
  dataDir?: string;
}

export interface Runtime {
  store: Store;
  runpod: RunpodClient;
  /** True when inference runs on the in-process emulator with local CPU workers. */
  localInference: boolean;
  ports: AnalyzerPorts;
  close(): Promise<void>;
}

export async function openRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  const env = opts.env ?? process.env;
  const closers: (() => Promise<void>)[] = [];
  try {
    let store = opts.store;
    if (!store) {
      store = await openStore({ databaseUrl: env.DATABASE_URL || undefined, dataDir: opts.dataDir });
      const s = store;
      closers.push(() => s.close());
    }
    await withTimeout(store.migrateDone, 20_000, () => new VideoAgentError('E_DB_UNREACHABLE', `cannot reach the database${env.DATABASE_URL ? ' at DATABASE_URL' : ''} (migrations did not complete within 20 s)`));
    let runpod = opts.runpod;
    let localInference = false;
    if (!runpod) {
      const inf = await createInference(env);
      runpod = inf.client.runpod;
      localInference = inf.local;
      closers.push(() => inf.close());
    }
    const inference: InferencePorts = inferencePorts(runpod);
    closers.push(async () => inference.dispose());
    const ports: AnalyzerPorts = {
      detect: inference.detect,
      transcribe: inference.transcribe,
      describe: inference.describe,
      prosody: prosodyPort(),
      trackerFactory: byteTrackFactory(),
      sink: storeSink(store),
      publisher: opts.publisher,
    };
    return {
      store, runpod, localInference, ports,
      async close() {
        for (const c of closers.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { t = setTimeout(() => reject(onTimeout()), ms); })]);
  } finally {
    clearTimeout(t);
  }
}
