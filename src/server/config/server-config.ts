/**
 * The `serve` configuration: one zod model per concern (server, defaults, streams), each with defaults and
 * bounds, so a config file, the API's POST body and the CLI share one definition of a stream.
 */
import { z } from 'zod';
import { ruleListSchema } from '../../rules/rule-schema';
import { recordingConfigSchema, recordingOverridesSchema } from '../../recording/recording-config';

const STREAM_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const stageName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a stage name (lower-case letters, digits, -)');

export const streamIdSchema = z.string().regex(STREAM_ID, "use 1-128 letters, digits, '_', '-', '.', ':'");

const fps = z.number().positive().max(60);
const params = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
/** Per-stage settings, e.g. `{ detection: { batchSize: 4 } }`; each stage checks its own keys and bounds. */
const stageOptions = z.record(stageName, z.record(z.string(), z.unknown()));

/**
 * Automatic clips: the `top` best highlights of a file stream (at its end), or the `top` ranked of each
 * highlights window of a recorded live stream (once the recording covers them), cut into the object store.
 */
const clipsSchema = z.strictObject({
  top: z.number().int().min(0).max(100).default(3).describe('highlights clipped per file / per live window; 0: none'),
});

/** One stream as the config file and `POST /v1/streams` give it (defaults fill the gaps). */
export const streamSpecSchema = z.strictObject({
  id: streamIdSchema.optional().describe('default: a stable hash of the source'),
  source: z.string().min(1).max(2048).describe('a file path under a media root, an rtsp:// URL, or a livekit://host/room (one stream per participant)'),
  pipeline: z.string().min(1).max(256).optional().describe('pipeline name (pipelines/*.yaml) or path'),
  params: params.optional().describe('pipeline parameters (width, height, quality…)'),
  stages: z.array(stageName).max(32).optional().describe('stage names; [] = ingest only'),
  fps: fps.optional().describe('frames per second sampled for analysis'),
  stageOptions: stageOptions.optional().describe('per-stage settings, e.g. {"detection": {"batchSize": 4}}'),
  recording: recordingOverridesSchema.optional().describe('record the stream (RTSP: rolling MP4 segments under <dataDir>/recordings/<id>/); overrides the defaults key by key'),
  rules: ruleListSchema.optional().describe('alert rules of this stream (src/rules/rule-schema.ts); a rule with the id of a default rule replaces it'),
  clips: clipsSchema.partial().optional().describe('automatic clips of the best highlights (overrides the defaults)'),
});
export type StreamSpec = z.infer<typeof streamSpecSchema>;

export const serverSettingsSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** `file` sources must resolve (symlinks followed) inside one of these folders. */
  mediaRoots: z.array(z.string().min(1)).default(['./media']),
  /**
   * URL schemes a source may use (`file` = local paths). `livekit` / `livekit+ws` are off by default: the
   * server signs a token with LIVEKIT_API_SECRET for the host it is given, so allow them only where
   * whoever may add streams may also choose that host.
   */
  allowSchemes: z.array(z.enum(['file', 'rtsp', 'rtsps', 'rtspt', 'livekit', 'livekit+ws'])).default(['file', 'rtsp', 'rtsps']),
  dataDir: z.string().min(1).default('./data'),
  /** Allowed browser origins; empty = CORS off. */
  corsOrigins: z.array(z.string().min(1)).default([]),
  /**
   * Addresses (IPs or CIDRs) of reverse proxies whose X-Forwarded-For / -Proto are believed: the client's
   * address then keys the rate limit and `https` marks the session cookie Secure. Empty = trust none.
   */
  trustProxy: z.array(z.string().min(1).max(64).regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'an IP address or CIDR')).max(64).default([]),
  rateLimit: z.strictObject({
    max: z.number().int().min(1).max(1_000_000).default(1200),
    windowS: z.number().min(1).max(3600).default(60),
  }).prefault({}),
  bodyLimitBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
  /** SIGTERM: stop sessions, drain stages and flush the store within this time, then exit. */
  shutdownTimeoutS: z.number().min(1).max(600).default(30),
  restart: z.strictObject({
    initialDelayS: z.number().min(0.05).max(60).default(1),
    maxDelayS: z.number().min(0.1).max(3600).default(60),
  }).prefault({}),
  /** Messages queued per WebSocket client before it is closed as too slow. */
  liveQueue: z.number().int().min(10).max(100_000).default(2000),
  /** Streams one server runs at most (API adds beyond it get 409). */
  maxStreams: z.number().int().min(1).max(1024).default(64),
});
export type ServerSettings = z.infer<typeof serverSettingsSchema>;

export const streamDefaultsSchema = z.strictObject({
  stages: z.array(stageName).max(32).optional(),
  fps: fps.default(5),
  pipeline: z.string().min(1).max(256).optional(),
  params: params.default({}),
  stageOptions: stageOptions.default({}),
  /** Recording (off by default): segment length, retention by age and size (src/recording). */
  recording: recordingConfigSchema.prefault({}),
  /** Alert rules every stream gets (its own `rules` add to them). */
  rules: ruleListSchema.default([]),
  clips: clipsSchema.prefault({}),
});
export type StreamDefaults = z.infer<typeof streamDefaultsSchema>;

export const serveConfigSchema = z.strictObject({
  server: serverSettingsSchema.prefault({}),
  defaults: streamDefaultsSchema.prefault({}),
  streams: z.array(streamSpecSchema).max(1024).default([]),
});
export type ServeConfig = z.infer<typeof serveConfigSchema>;
