/**
 * Orchestration: one process runs ingest → (in-process fan-out | Redis) → stages → store.
 *
 *   const rt = await openRuntime();                       // store + inference + stage ports from env
 *   const summary = await analyzeSource(rt, { input: 'clip.mp4', stages: parseStages('detection,audio,vlm') });
 *   console.log(formatSummary(summary)); await rt.close();
 *
 * Distributed: `new StageWorker({ stage, bus, ports: rt.ports, consumer })` joins the stage's consumer group.
 */
export { analyzeSource, type AnalyzeOptions, type AnalyzeProgress, type AnalyzeSummary } from './run-analysis';
export { openRuntime, type Runtime, type RuntimeOptions } from './runtime';
export { StreamAnalyzer, parseStages, ALL_STAGES, type AnalyzerPorts, type AnalyzerTuning, type StreamAnalyzerOptions, type StreamAnalyzerStats } from './stream-analyzer';
export { StageWorker, type StageWorkerOptions, type StageWorkerStats, type StateStore } from './stage-worker';
export { formatSummary } from './summary';
export { openRedis, openResultPublisher, type RedisConnection } from './redis';
export { busPublisher, RESULT_MAXLEN } from './publisher';
