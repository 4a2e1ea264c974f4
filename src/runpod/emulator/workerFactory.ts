import type { LocalWorker, LocalWorkerName } from '../../workers/types';
import { childLogger } from '../../obs/logger';
import type { ModelName } from '../contracts';
import { StubWorker, type StubTiming } from './stubWorker';

const log = childLogger({ component: 'runpod-emulator' });

export interface BackingWorker {
  worker: LocalWorker;
  /** What really answers: "stub", "local" (src/workers), or "stub-fallback" when src/workers is absent. */
  kind: 'stub' | 'local' | 'stub-fallback';
}

type WorkersModule = { createLocalWorker(name: LocalWorkerName, opts?: unknown): LocalWorker };

/** src/workers is another module (real CPU inference); loaded lazily so the emulator works without it. */
function loadWorkersModule(): WorkersModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('../../workers') as Partial<WorkersModule>;
    return typeof mod.createLocalWorker === 'function' ? (mod as WorkersModule) : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes('workers')) return undefined;
    throw err;
  }
}

export function createBackingWorker(name: LocalWorkerName, contract: ModelName, stub: StubTiming): BackingWorker {
  if (name === 'stub') return { worker: new StubWorker(contract, stub), kind: 'stub' };
  const mod = loadWorkersModule();
  // Diarization has no local model: src/workers' energy-based stub (labelled as such in every output) when present.
  if (name === 'diarization' && !mod) return { worker: new StubWorker('diarization', stub, 'stub-diarization (no local diarization model)'), kind: 'stub' };
  if (!mod) {
    log.warn({ worker: name }, 'src/workers is not available: serving this endpoint with the stub worker');
    return { worker: new StubWorker(contract, stub, `stub-${contract} (src/workers unavailable)`), kind: 'stub-fallback' };
  }
  return { worker: mod.createLocalWorker(name), kind: 'local' };
}
