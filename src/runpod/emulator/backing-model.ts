import type { LocalModel, LocalModelName } from '../../local-models/types';
import type { ModelName } from '../contracts';
import { StubModel, type StubTiming } from './stub-model';

export interface BackingModel {
  model: LocalModel;
  /** What really answers: the timing stub, or a local CPU model (src/local-models). */
  kind: 'stub' | 'local';
}

type LocalModelsModule = { createLocalModel(name: LocalModelName, opts?: unknown): LocalModel };

export function createBackingModel(name: LocalModelName, contract: ModelName, stub: StubTiming): BackingModel {
  if (name === 'stub') return { model: new StubModel(contract, stub), kind: 'stub' };
  // Loaded on first use: the stub-only emulator (tests, benchmarks) never pays for tfjs and its threads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../../local-models') as LocalModelsModule;
  return { model: mod.createLocalModel(name), kind: 'local' };
}
