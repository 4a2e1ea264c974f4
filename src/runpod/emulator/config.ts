import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { VideoAgentError } from '../../errors';
import { MODEL_NAMES, isModelName, type ModelName } from '../contracts';

/**
 * Emulator configuration (YAML file or an object in-process). Every field has the real service's default, so
 * `{}` gives the five endpoints of the names table; tests shrink timings (retention, waits, rate limits).
 */

/** A fault fires for the next `count` eligible requests/jobs, then with probability `rate`. */
const FaultTrigger = z.object({
  rate: z.number().min(0).max(1).optional(),
  count: z.number().int().min(0).optional(),
});

export const FaultsSchema = z.object({
  /** Added to every HTTP response of the endpoint. */
  latencyMs: z
    .object({ min: z.number().min(0), max: z.number().min(0), distribution: z.enum(['uniform', 'exponential']).default('uniform') })
    .optional(),
  /** HTTP 5xx answers before any processing (no job created). */
  http5xx: FaultTrigger.extend({ status: z.number().int().min(500).max(599).default(500) }).optional(),
  /** HTTP 429 answers with a Retry-After header (a burst when given as `count`). */
  http429: FaultTrigger.extend({ retryAfterS: z.number().min(0).default(1) }).optional(),
  /** The job ends FAILED with the error in the chosen form of the contract. */
  failed: FaultTrigger.extend({ form: z.enum(['string', 'json', 'list']).default('string') }).optional(),
  /** The handler never returns: the job ends TIMED_OUT at its executionTimeout. */
  timedOut: FaultTrigger.optional(),
  /** The job never leaves IN_QUEUE (a crash-looping endpoint); only TTL, cancel or purge remove it. */
  stuckInQueue: FaultTrigger.optional(),
  /** COMPLETED without `output` (a worker that failed to upload a large result). */
  noOutput: FaultTrigger.optional(),
  /** The job waits for a fresh worker boot of `ms` before it starts (counted in delayTime). */
  coldStart: FaultTrigger.extend({ ms: z.number().min(0).default(1000) }).optional(),
  /** Seed for the fault dice, for reproducible runs. */
  seed: z.number().int().optional(),
});
export type FaultsConfig = z.infer<typeof FaultsSchema>;
export type FaultsConfigInput = z.input<typeof FaultsSchema>;

/** What answers an endpoint's jobs: the timing stub, or the local CPU model of that name (src/local-models). */
export const BACKEND_NAMES = ['stub', 'yolo', 'emotion', 'whisper', 'vlm', 'diarization'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Per-op request limits per window (the real API's, per 10 s). */
const RateLimitsSchema = z.object({
  windowMs: z.number().int().min(1).default(10_000),
  run: z.number().int().min(0).default(1000),
  runsync: z.number().int().min(0).default(2000),
  status: z.number().int().min(0).default(2000),
  stream: z.number().int().min(0).default(2000),
  cancel: z.number().int().min(0).default(100),
  retry: z.number().int().min(0).default(100),
  'purge-queue': z.number().int().min(0).default(2),
  /** Long-polls count against their own budget; RunPod documents none, so it defaults to the status limit. */
  'status-sync': z.number().int().min(0).default(2000),
  health: z.number().int().min(0).default(100_000),
});
export type RateLimits = z.infer<typeof RateLimitsSchema>;

export const EndpointSchema = z.object({
  /** Which local CPU model or the timing stub backs the endpoint; defaults to the endpoint id, else stub. */
  backend: z.enum(BACKEND_NAMES).optional(),
  /** Which contract (schemas) the endpoint serves; defaults to the endpoint id or the backend name. */
  model: z.enum(MODEL_NAMES).optional(),
  /**
   * The stub's timing (`baseMs + perItemMs × items`). `chunks` > 0 makes it a generator handler that yields
   * that many outputs over the same time, for /stream.
   */
  stub: z
    .object({ baseMs: z.number().min(0).default(0), perItemMs: z.number().min(0).default(0), chunks: z.number().int().min(0).max(10_000).default(0) })
    .prefault({}),
  /** runpod-python's `return_aggregate_stream`: a generator job's output is the list of its yields (else `[]`). */
  returnAggregateStream: z.boolean().default(false),
  maxWorkers: z.number().int().min(1).max(1000).default(3),
  /** Jobs waiting for a worker (IN_QUEUE); a /run, /runsync or /retry past it is answered 429 with Retry-After. */
  maxQueue: z.number().int().min(1).default(10_000),
  /**
   * Final jobs kept for /status before their retention ends; past it the oldest final job is evicted (404), so
   * memory stays bounded however fast jobs finish. Inputs are dropped once a job is final (kept for /retry on
   * FAILED and TIMED_OUT only).
   */
  maxRetainedJobs: z.number().int().min(1).default(10_000),
  idleTimeoutMs: z.number().int().min(0).default(5000),
  /** Added to the backing model's real init time on every cold start. */
  coldStartExtraMs: z.number().min(0).default(0),
  /** Default executionTimeout when a request has no policy (real default 600 s). */
  executionTimeoutMs: z.number().int().min(1).default(600_000),
  rateLimits: RateLimitsSchema.prefault({}),
  faults: FaultsSchema.prefault({}),
});
export type EndpointConfig = z.infer<typeof EndpointSchema> & { backend: BackendName; model: ModelName };
export type EndpointConfigInput = z.input<typeof EndpointSchema>;

export const EmulatorConfigSchema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
  /**
   * Requests need `Authorization: Bearer <key>` (or the bare key). Unset: the emulator generates a random key
   * at start (RunpodEmulator.apiKey) unless `auth: false`.
   */
  apiKey: z.string().min(1).optional(),
  /** `false`: no key at all (`video-agent emulate --no-auth`); the Host and Origin checks still apply. */
  auth: z.boolean().default(true),
  retention: z.object({ runMs: z.number().int().min(1).default(30 * 60_000), runsyncMs: z.number().int().min(1).default(60_000) }).prefault({}),
  /** Bounds of `?wait=` on /runsync, also used by the /status-sync long-poll. */
  runsyncWait: z
    .object({ defaultMs: z.number().int().min(1).default(90_000), minMs: z.number().int().min(1).default(1000), maxMs: z.number().int().min(1).default(300_000) })
    .prefault({}),
  payloadCaps: z.object({ runBytes: z.number().int().min(1).default(10 * 1024 * 1024), runsyncBytes: z.number().int().min(1).default(20 * 1024 * 1024) }).prefault({}),
  defaultTtlMs: z.number().int().min(1).default(24 * 3600_000),
  /** How often expired jobs (TTL, retention) are swept. */
  sweepIntervalMs: z.number().int().min(1).default(1000),
  endpoints: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'endpoint ids are letters, digits, _ . -'), EndpointSchema).optional(),
});
export type EmulatorConfigInput = z.input<typeof EmulatorConfigSchema>;
export type EmulatorConfig = Omit<z.infer<typeof EmulatorConfigSchema>, 'endpoints'> & { endpoints: Record<string, EndpointConfig> };

/** The endpoints a user gets with no config: the names table, each backed by the local model of the same name. */
const DEFAULT_ENDPOINTS: Record<string, EndpointConfigInput> = Object.fromEntries(MODEL_NAMES.map((m) => [m, { backend: m, model: m }]));

function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** `worker:` meant the backing model until it was renamed ("worker" is a `video-agent worker` process). */
function rejectRenamedKeys(endpoints: unknown): void {
  if (!endpoints || typeof endpoints !== 'object') return;
  for (const [id, ep] of Object.entries(endpoints)) {
    if (ep && typeof ep === 'object' && 'worker' in ep) {
      const value = (ep as { worker: unknown }).worker;
      throw new VideoAgentError(
        'E_EMULATOR_CONFIG',
        `invalid emulator config: endpoints.${id}.worker was renamed to "backend" (one of ${BACKEND_NAMES.join(', ')}): write "backend: ${String(value)}"`,
      );
    }
  }
}

export function resolveEmulatorConfig(input: EmulatorConfigInput = {}): EmulatorConfig {
  rejectRenamedKeys(input.endpoints);
  const parsed = EmulatorConfigSchema.safeParse({ ...input, endpoints: input.endpoints ?? DEFAULT_ENDPOINTS });
  if (!parsed.success) throw new VideoAgentError('E_EMULATOR_CONFIG', `invalid emulator config: ${zodMessage(parsed.error)}`);
  if (!parsed.data.auth && parsed.data.apiKey) throw new VideoAgentError('E_EMULATOR_CONFIG', 'invalid emulator config: apiKey is set but auth is false: drop one');
  const endpoints: Record<string, EndpointConfig> = {};
  for (const [id, ep] of Object.entries(parsed.data.endpoints ?? {})) {
    const backend = ep.backend ?? (isModelName(id) ? id : 'stub');
    const model = ep.model ?? (isModelName(id) ? id : backend !== 'stub' ? backend : undefined);
    if (!model) throw new VideoAgentError('E_EMULATOR_CONFIG', `invalid emulator config: endpoint "${id}" needs "model:" (one of ${MODEL_NAMES.join(', ')})`);
    endpoints[id] = { ...ep, backend, model };
  }
  return { ...parsed.data, endpoints };
}

export function parseFaults(input: unknown): FaultsConfig {
  const parsed = FaultsSchema.safeParse(input ?? {});
  if (!parsed.success) throw new VideoAgentError('E_EMULATOR_CONFIG', `invalid faults: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

export function loadEmulatorConfigFile(file: string): EmulatorConfigInput {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new VideoAgentError('E_FILE_NOT_FOUND', `emulator config file not found: ${file}`);
  }
  try {
    return (parseYaml(text) ?? {}) as EmulatorConfigInput;
  } catch (err) {
    throw new VideoAgentError('E_EMULATOR_CONFIG', `emulator config ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}
