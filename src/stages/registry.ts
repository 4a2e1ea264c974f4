/**
 * Every stage the runners know, one line each. Adding a stage: a folder under src/stages/<name>/
 * exporting its StageModule, and one line here. Order does not matter: the graph orders stages by the
 * topics they consume and produce.
 */
import { VideoAgentError } from '../errors';
import { audioStage } from './audio';
import { detectionStage } from './detection';
import { diarizationStage } from './diarization';
import { emotionStage } from './emotion';
import { highlightsStage } from './highlights';
import { rulesStage } from './rules';
import type { AnyStageModule } from './stage';
import { vlmStage } from './vlm';

const BUILT_IN: AnyStageModule[] = [
  detectionStage,
  audioStage,
  vlmStage,
  emotionStage,
  diarizationStage,
  rulesStage,
  highlightsStage,
];

const registry = new Map<string, AnyStageModule>(BUILT_IN.map((m) => [m.name, m]));

/** A stage shipped outside this folder (a plugin, a test): same contract, same runners. */
export function registerStage(module: AnyStageModule): void {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(module.name)) throw new VideoAgentError('E_BAD_STAGE', `stage name "${module.name}" must be lower-case letters, digits and '-'`, { kind: 'config' });
  const existing = registry.get(module.name);
  if (existing && existing !== module) throw new VideoAgentError('E_BAD_STAGE', `a stage named "${module.name}" is already registered`, { kind: 'config' });
  registry.set(module.name, module);
}

export function unregisterStage(name: string): void {
  if (BUILT_IN.some((m) => m.name === name)) throw new VideoAgentError('E_BAD_STAGE', `built-in stage "${name}" cannot be removed`, { kind: 'config' });
  registry.delete(name);
}

export function stageModules(): AnyStageModule[] {
  return [...registry.values()];
}

export function stageModule(name: string): AnyStageModule {
  const m = registry.get(name);
  if (!m) throw new VideoAgentError('E_UNKNOWN_STAGE', `unknown stage "${name}" (choose from ${[...registry.keys()].join(', ')})`, { kind: 'config' });
  return m;
}

export function defaultStageNames(): string[] {
  return stageModules().filter((m) => m.default).map((m) => m.name);
}

/** Parses `--stages a,b` ('none' and '' mean ingest only; absent means the default stages). */
export function parseStages(value: string | undefined): Set<string> {
  if (value === undefined) return new Set(defaultStageNames());
  const names = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'none');
  const bad = names.filter((n) => !registry.has(n));
  if (bad.length) {
    throw new VideoAgentError('E_UNKNOWN_STAGE', `unknown stage${bad.length > 1 ? 's' : ''} ${bad.join(', ')} (choose from ${[...registry.keys()].join(', ')} or none)`, { kind: 'config' });
  }
  return new Set(names);
}
