import type { Logger } from 'pino';
import { VideoAgentError } from '../errors';
import { preparePipeline, type PipelineTemplate } from '../pipelines';
import type { BackoffOptions } from './backoff';
import { probeFile, probeRtsp, type SourceProbe } from './probe';
import { Session } from './session';
import { resolveSource, type SourceInfo } from './source';
import { defaultStreamId, isValidStreamId } from './stream-id';

export interface OpenSourceOptions {
  /** Default: a stable hash of the source (see defaultStreamId). */
  streamId?: string;
  /** Template name or path, or a loaded template. Default: `file` or `rtsp` after the source kind. */
  pipeline?: string | PipelineTemplate;
  /** Template parameter overrides (fps, width, height, quality, latency, …); undefined entries are ignored. */
  params?: Record<string, unknown>;
  /** RTSP: the first connection fails after this (default 10 s). */
  connectTimeoutMs?: number;
  /** Files: how long reading the headers may take (default 15 s). */
  discoverTimeoutMs?: number;
  stallTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  maxReconnectAttempts?: number;
  startTimeMs?: number;
  logger?: Logger;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Everything before media flows, each failure a clear VideoAgentError: resolve the input (missing
 * file, bad URL), discover it (not media, truncated, unreachable host within the connect timeout),
 * render the pipeline for what the source really has (audio branch only with audio) and let
 * GStreamer parse it. Returns a Session ready to run; nothing is playing yet.
 */
export async function openSource(input: string | SourceInfo, opts: OpenSourceOptions = {}): Promise<Session> {
  const source = typeof input === 'string' ? resolveSource(input) : input;
  const streamId = opts.streamId ?? defaultStreamId(source);
  if (!isValidStreamId(streamId)) {
    throw new VideoAgentError('E_BAD_STREAM_ID', `bad stream id '${streamId}': use 1-128 letters, digits, '_', '-', '.', ':'`);
  }
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  // Template and parameters are checked before touching the source, so a typo fails fast.
  const pipelineRef = opts.pipeline ?? (source.kind === 'file' ? 'file' : 'rtsp');
  preparePipeline({ pipeline: pipelineRef, params: opts.params, source: { uri: source.uri }, withAudio: false, check: false });

  const probe: SourceProbe =
    source.kind === 'file' ? await probeFile(source, opts.discoverTimeoutMs ?? 15_000) : await probeRtsp(source, connectTimeoutMs);
  const pipeline = preparePipeline({ pipeline: pipelineRef, params: opts.params, source: { uri: source.uri }, withAudio: probe.hasAudio });
  return new Session({
    streamId,
    source,
    probe,
    pipeline,
    connectTimeoutMs,
    stallTimeoutMs: opts.stallTimeoutMs,
    backoff: opts.backoff,
    maxReconnectAttempts: opts.maxReconnectAttempts,
    startTimeMs: opts.startTimeMs,
    logger: opts.logger,
  });
}
