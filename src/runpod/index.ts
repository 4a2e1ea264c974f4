/** RunPod layer: typed client (resilience, cost, contracts) and the local emulator. */
export * from './contracts';
export * from './errors';
export { loadRunpodConfig, withOverrides, DEFAULT_API_BASE, type RunpodConfig, type ModelEndpointConfig } from './config';
export { GPU_PRICE_PER_SECOND, type GpuType } from './prices';
export { RunpodClient, type CallOptions, type CallResult, type JobStatusResponse, type HealthResponse, type JobPolicy, type RunpodJobStatus } from './client';
export {
  InferenceClient, VLM_JSON_INSTRUCTION, type Media, type Billing, type DetectedBox, type DetectResult, type RecognisedWord, type TranscribeResult,
  type DescribeResult, type EmotionsResult, type DiarizeResult, type DetectOptions, type TranscribeOptions, type DescribeRequest, type DescribeOptions,
  type DetectPort, type TranscribePort, type DescribePort,
} from './inference';
export { MODEL_DEFAULTS, modelDefaultsFromEnv, type ModelDefaults } from './models';
export { CostMeter, type CostSnapshot, type CostRecord, type SpendCapEvent } from './cost';
export { ResultCache } from './cache';
export { PAYLOAD_LIMITS, splitForLimit } from './payload';
export { startLocalInference, createInference, type LocalInference } from './local';
export { RunpodEmulator, type EmulatorConfigInput, type FaultsConfigInput } from './emulator';
