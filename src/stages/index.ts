/** The analysis stages: the contract (stage.ts), the registry, and the graph of one stream's stages. */
export type { StageModule, StageInstance, StageContext, StageServices, Publish, AnyStageModule } from './stage';
export { registerStage, unregisterStage, stageModules, stageModule, defaultStageNames, parseStages } from './registry';
export { planGraph, consumedTopics, type GraphNode } from './graph';
export type { RowWriters } from './common/rows';
export { skipReason, endpointCallRow, type SkipReason } from './common/outcomes';

import type { DetectionStats } from './detection/detection-stage';
import type { AudioStats } from './audio/audio-stage';
import type { VlmStats } from './vlm/vlm-stage';
export type { DetectionStats, AudioStats, VlmStats };
/** Per-stage counters of one stream, keyed by stage name (the built-in stages' shapes are known). */
export type StageStatsMap = { detection?: DetectionStats; audio?: AudioStats; vlm?: VlmStats } & { [stage: string]: object | undefined };
