import type { JobContext, LocalModel, LocalModelName } from '../../local-models/types';
import type { ModelName } from '../contracts';
import type { BackendName } from './config';
import { StubModel, type StubTiming } from './stub-model';

export interface BackingModel {
  model: LocalModel;
  /** What really answers: the timing stub, or a local CPU model (src/local-models). */
  kind: 'stub' | 'local';
  /** Set for a generator handler: each yield is a /stream chunk (runpod-python's generator handlers). */
  stream?: (input: unknown, ctx: JobContext) => AsyncIterable<unknown>;
}

type LocalModelsModule = { createLocalModel(name: LocalModelName, opts?: unknown): LocalModel };

export function createBackingModel(name: BackendName, contract: ModelName, stub: StubTiming): BackingModel {
  if (name === 'stub') {
    const model = new StubModel(contract, stub);
    return { model, kind: 'stub', stream: model.streams ? (input, ctx) => model.stream(input, ctx) : undefined };
  }
  // Loaded on first use: the stub-only emulator (tests, benchmarks) never pays for tfjs and its threads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../../local-models') as LocalModelsModule;
  return { model: mod.createLocalModel(name), kind: 'local' };
}
