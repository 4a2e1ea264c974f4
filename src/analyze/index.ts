/**
 * The runners: one process runs ingest → in-process bus → the stage graph → store; `worker --stage X`
 * runs one stage module over Redis for the streams it leases.
 *
 *   const rt = await openRuntime();                       // store + inference + stage services from env
 *   const summary = await analyzeSource(rt, { input: 'clip.mp4', stages: parseStages('detection,audio,vlm') });
 *   console.log(formatSummary(summary)); await rt.close();
 *
 * Distributed: `new StageWorker({ stage, bus, services: rt.services, consumer })` joins the stage's group.
 */
export { analyzeSource, type AnalyzeOptions, type AnalyzeProgress, type AnalyzeSummary } from './run-analysis';
export { openRuntime, type Runtime, type RuntimeOptions } from './runtime';
export { StageWorker, stageStateKey, type StageWorkerOptions, type StageWorkerStats, type StateStore } from './stage-worker';
export { MediaPublisher, type MediaPublisherOptions } from './media-publisher';
export { formatSummary } from './summary';
export { openRedis, openResultPublisher, type RedisConnection } from './redis';
export { parseStages } from '../stages';
