import { VideoAgentError } from '../errors';
import { MODEL_NAMES, type ModelName } from './contracts';
import { GPU_PRICE_PER_SECOND, isGpuType, type GpuType } from './prices';
import { secretEnv } from '../config/secret-env';

export const DEFAULT_API_BASE = 'https://api.runpod.ai/v2';

export interface ModelEndpointConfig {
  /** Endpoint ids in failover order (RUNPOD_<MODEL>_ENDPOINT_ID, comma-separated). Empty: not configured. */
  endpointIds: string[];
  gpu: GpuType;
  pricePerSecond: number;
}

export interface RetryConfig {
  /** Retries after the first attempt. */
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface BreakerConfig {
  /** Consecutive failed requests that open an endpoint's circuit. */
  consecutiveFailures: number;
  /** Open → half-open after this long; one probe decides closed or open again. */
  halfOpenAfterMs: number;
}

export interface RunpodConfig {
  /** Undefined: use the local emulator. Never logged. */
  apiKey?: string;
  /**
   * The endpoints are the in-process emulator's local CPU models, so cost is modelled from the GPU timing table
   * (src/runpod/gpu-timing.ts), not billed from executionTime. Default: no apiKey. The emulator has a key of its
   * own (generated at start), so startLocalInference sets this explicitly.
   */
  localEmulator?: boolean;
  apiBase: string;
  models: Record<ModelName, ModelEndpointConfig>;
  retry: RetryConfig;
  breaker: BreakerConfig;
  /** Bulkhead: jobs in flight per endpoint id; more wait in line. */
  maxInFlightPerEndpoint: number;
  /** Jobs that may wait for a bulkhead slot per endpoint id; one more fails at once (RunpodQueueFullError). */
  maxQueuedPerEndpoint: number;
  /** Per-call deadline (submit → final result), ms. */
  callTimeoutMs: number;
  /** One HTTP request's timeout, ms. */
  requestTimeoutMs: number;
  /** RunPod `policy` sent with every job (undefined: the endpoint's defaults). */
  executionTimeoutMs?: number;
  ttlMs?: number;
  /** /runsync `?wait=` in ms. */
  runsyncWaitMs: number;
  pollIntervalMs: number;
  pollMaxIntervalMs: number;
  /** Billed seconds per call not in executionTime (cold start, idle): added by the cost meter. */
  overheadSecondsPerCall: number;
  spendCapUsd?: number;
  /**
   * REDIS_URL: the spend cap is shared by every process on this Redis (src/runpod/shared-spend-cap.ts), per window of
   * spendCapWindowS seconds (RUNPOD_SPEND_CAP_WINDOW_S, default 86 400 = the UTC day). Without it each process has its
   * own cap for its lifetime. Never logged (it may hold a password).
   */
  spendCapRedisUrl?: string;
  spendCapWindowS?: number;
  /** RUNPOD_SPEND_CAP_KEY (default `runpod:spend`): the shared counter's key prefix, one per deployment. */
  spendCapKeyPrefix?: string;
  /** Entries of the content-hash result cache (0 disables it). */
  cacheSize: number;
  /** Pool connections per host. */
  connections: number;
}

/** The GPU each model's endpoint runs on unless RUNPOD_<MODEL>_GPU says otherwise (prices only). */
const DEFAULT_GPU: Record<ModelName, GpuType> = { yolo: 'L4', whisper: 'L4', vlm: 'A100', emotion: 'A4000', diarization: 'L4' };

type Env = Record<string, string | undefined>;

function num(env: Env, name: string, def: number, opts: { min?: number; int?: boolean } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || (opts.int && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min)) {
    throw new VideoAgentError('E_CONFIG', `${name} must be ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}, got "${raw}"`);
  }
  return v;
}

function optNum(env: Env, name: string, opts: { min?: number; int?: boolean } = {}): number | undefined {
  return env[name] === undefined || env[name]!.trim() === '' ? undefined : num(env, name, 0, opts);
}

/**
 * Typed RunPod configuration from the environment (names table in docs/architecture.md; every variable is documented in
 * .env.example). With no RUNPOD_API_KEY each model defaults to the emulator's endpoint id of the same name.
 */
export function loadRunpodConfig(env: Env = process.env): RunpodConfig {
  const apiKey = secretEnv('RUNPOD_API_KEY', env)?.trim() || undefined;
  const apiBase = (env.RUNPOD_API_BASE?.trim() || DEFAULT_API_BASE).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(apiBase)) throw new VideoAgentError('E_CONFIG', `RUNPOD_API_BASE must be an http(s) URL, got "${apiBase}"`);
  const models = {} as Record<ModelName, ModelEndpointConfig>;
  for (const m of MODEL_NAMES) {
    const M = m.toUpperCase();
    const ids = (env[`RUNPOD_${M}_ENDPOINT_ID`] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    for (const id of ids) {
      if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new VideoAgentError('E_CONFIG', `RUNPOD_${M}_ENDPOINT_ID contains an invalid endpoint id "${id}"`);
    }
    const gpuRaw = env[`RUNPOD_${M}_GPU`]?.trim().toUpperCase();
    if (gpuRaw !== undefined && gpuRaw !== '' && !isGpuType(gpuRaw)) {
      throw new VideoAgentError('E_CONFIG', `RUNPOD_${M}_GPU must be one of ${Object.keys(GPU_PRICE_PER_SECOND).join(', ')}, got "${gpuRaw}"`);
    }
    const gpu = (gpuRaw || DEFAULT_GPU[m]) as GpuType;
    models[m] = {
      endpointIds: ids.length ? ids : apiKey ? [] : [m],
      gpu,
      pricePerSecond: num(env, `RUNPOD_${M}_PRICE_PER_SEC`, GPU_PRICE_PER_SECOND[gpu], { min: 0 }),
    };
  }
  return {
    apiKey,
    localEmulator: !apiKey,
    apiBase,
    models,
    retry: {
      maxRetries: num(env, 'RUNPOD_RETRIES', 5, { min: 0, int: true }),
      initialDelayMs: num(env, 'RUNPOD_RETRY_BASE_MS', 200, { min: 0 }),
      maxDelayMs: num(env, 'RUNPOD_RETRY_MAX_MS', 10_000, { min: 0 }),
    },
    breaker: {
      consecutiveFailures: num(env, 'RUNPOD_BREAKER_FAILURES', 5, { min: 1, int: true }),
      halfOpenAfterMs: num(env, 'RUNPOD_BREAKER_HALF_OPEN_MS', 30_000, { min: 1 }),
    },
    maxInFlightPerEndpoint: num(env, 'RUNPOD_MAX_IN_FLIGHT', 16, { min: 1, int: true }),
    maxQueuedPerEndpoint: num(env, 'RUNPOD_MAX_QUEUED', 1024, { min: 0, int: true }),
    callTimeoutMs: num(env, 'RUNPOD_CALL_TIMEOUT_MS', 120_000, { min: 1 }),
    requestTimeoutMs: num(env, 'RUNPOD_REQUEST_TIMEOUT_MS', 30_000, { min: 1 }),
    executionTimeoutMs: optNum(env, 'RUNPOD_EXECUTION_TIMEOUT_MS', { min: 1, int: true }),
    ttlMs: optNum(env, 'RUNPOD_TTL_MS', { min: 1, int: true }),
    runsyncWaitMs: num(env, 'RUNPOD_RUNSYNC_WAIT_MS', 30_000, { min: 1, int: true }),
    pollIntervalMs: num(env, 'RUNPOD_POLL_MS', 100, { min: 1 }),
    pollMaxIntervalMs: num(env, 'RUNPOD_POLL_MAX_MS', 2000, { min: 1 }),
    overheadSecondsPerCall: num(env, 'RUNPOD_COST_OVERHEAD_SEC', 0, { min: 0 }),
    spendCapUsd: optNum(env, 'RUNPOD_SPEND_CAP_USD', { min: 0 }),
    spendCapRedisUrl: env.REDIS_URL || undefined,
    spendCapWindowS: num(env, 'RUNPOD_SPEND_CAP_WINDOW_S', 86_400, { min: 1, int: true }),
    spendCapKeyPrefix: env.RUNPOD_SPEND_CAP_KEY || 'runpod:spend',
    cacheSize: num(env, 'RUNPOD_CACHE_SIZE', 256, { min: 0, int: true }),
    connections: num(env, 'RUNPOD_CONNECTIONS', 64, { min: 1, int: true }),
  };
}

/** Shallow overrides for tests and embedding (models merged per model). */
export type RunpodConfigOverrides = Partial<Omit<RunpodConfig, 'models' | 'retry' | 'breaker'>> & {
  retry?: Partial<RetryConfig>;
  breaker?: Partial<BreakerConfig>;
  models?: Partial<Record<ModelName, Partial<ModelEndpointConfig>>>;
};

export function withOverrides(base: RunpodConfig, o: RunpodConfigOverrides): RunpodConfig {
  const models = { ...base.models };
  for (const [m, v] of Object.entries(o.models ?? {})) models[m as ModelName] = { ...models[m as ModelName], ...v };
  return { ...base, ...o, retry: { ...base.retry, ...o.retry }, breaker: { ...base.breaker, ...o.breaker }, models };
}
