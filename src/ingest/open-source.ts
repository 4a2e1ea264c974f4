import type { Logger } from 'pino';
import { VideoAgentError } from '../errors';
import { parseLaunch, recordAudioOf, recordCodecOf, renderLaunch, resolvePipeline, type PipelineTemplate, type RecordVariables } from '../pipelines';
import type { BackoffOptions } from './backoff';
import { probeFile, probeRtsp, type SourceProbe } from './probe';
import { Session, sessionPipelineOptions } from './session';
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
  /** RTSP: render the template's record branch (src/recording), picked by the discovered video codec. */
  record?: Omit<RecordVariables, 'codec'>;
  /** Recording on: how long a graceful stop waits for EOS to finalise the last segment (SessionConfig.eosTimeoutMs). */
  eosTimeoutMs?: number;
  logger?: Logger;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_DISCOVER_TIMEOUT_MS = 15_000;

/**
 * Everything before media flows, each failure a clear VideoAgentError: resolve the input (missing
 * file, bad URL), check template and parameters, discover the source (not media, truncated,
 * unreachable host within the connect timeout), render the pipeline once for what the source really
 * has (audio branch only with audio) and let GStreamer parse it once: that parsed pipeline is the
 * one the session's first connection runs. Returns a Session ready to run; nothing is playing yet.
 * A file's discovery starts first and runs off the JS thread while the template loads (yaml and zod
 * load then), so the two overlap; a bad template still fails without waiting for it.
 */
export async function openSource(input: string | SourceInfo, opts: OpenSourceOptions = {}): Promise<Session> {
  const source = typeof input === 'string' ? resolveSource(input) : input;
  if (source.kind === 'livekit') {
    throw new VideoAgentError('E_BAD_SOURCE', 'a LiveKit room is one stream per participant: open it with startLivekitSource (src/sources/livekit)', { kind: 'bad_input' });
  }
  if (source.kind === 'appsrc') return openAppsrc({ ...opts, streamId: opts.streamId ?? source.input, withAudio: true });
  const streamId = opts.streamId ?? defaultStreamId(source);
  if (!isValidStreamId(streamId)) {
    throw new VideoAgentError('E_BAD_STREAM_ID', `bad stream id '${streamId}': use 1-128 letters, digits, '_', '-', '.', ':'`);
  }
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const pipelineRef = opts.pipeline ?? (source.kind === 'file' ? 'file' : 'rtsp');
  const fileProbe = source.kind === 'file' ? probeFile(source, opts.discoverTimeoutMs ?? DEFAULT_DISCOVER_TIMEOUT_MS) : null;
  fileProbe?.catch(() => undefined); // awaited below unless the template fails first
  // Template and parameters are checked before waiting on (or, for a camera, touching) the source.
  const { template, params } = resolvePipeline({ pipeline: pipelineRef, params: opts.params });
  const probe: SourceProbe = fileProbe ? await fileProbe : await probeRtsp(source as Extract<SourceInfo, { kind: 'rtsp' }>, connectTimeoutMs);
  let record: RecordVariables | undefined;
  if (opts.record && source.kind === 'rtsp') {
    // With audio, the recording gets it too: AAC copied, anything else encoded to AAC.
    const audio = probe.hasAudio ? recordAudioOf(probe.audio?.codec, probe.audio?.rtpEncoding) : null;
    record = { ...opts.record, codec: recordCodecOf(probe.video?.codec), ...(audio ? { audio } : {}) };
  }
  const pipeline = renderLaunch(template, { params, source: { uri: source.uri }, withAudio: probe.hasAudio, record });
  if (record && probe.hasAudio && !pipeline.record?.audio) {
    const why = !record.audio ? 'no AAC encoder in this GStreamer (tried avenc_aac, voaacenc)' : `pipeline '${template.name}' has no record_audio branch for it`;
    const log = opts.logger ?? (require('../obs/logger') as typeof import('../obs/logger')).logger;
    log.warn({ streamId, audioCodec: probe.audio?.codec }, `recording: ${probe.audio?.codec ?? 'unknown'} audio is not recorded (${why}): segments are video only`);
  }
  const parsed = parseLaunch(pipeline, sessionPipelineOptions(streamId, source));
  return new Session({
    streamId,
    source,
    probe,
    pipeline,
    parsed,
    connectTimeoutMs,
    stallTimeoutMs: opts.stallTimeoutMs,
    backoff: opts.backoff,
    maxReconnectAttempts: opts.maxReconnectAttempts,
    startTimeMs: opts.startTimeMs,
    eosTimeoutMs: opts.eosTimeoutMs,
    logger: opts.logger,
  });
}

export interface OpenAppsrcOptions extends Pick<OpenSourceOptions, 'pipeline' | 'params' | 'startTimeMs' | 'logger'> {
  /** Required: pushed media has no path or URL to hash. */
  streamId: string;
  /** Render the `audio` appsrc branch (the track has audio). */
  withAudio: boolean;
}

/**
 * A session fed from JavaScript (e.g. LiveKit tracks) through the `appsrc` template: raw video into
 * appsrc `video`, S16LE PCM into appsrc `audio`, pushed with session.push() once 'started' fired (or
 * right after run()/media() began). The session ends when every appsrc got endOfStream().
 */
export async function openAppsrc(opts: OpenAppsrcOptions): Promise<Session> {
  if (!isValidStreamId(opts.streamId)) {
    throw new VideoAgentError('E_BAD_STREAM_ID', `bad stream id '${opts.streamId}': use 1-128 letters, digits, '_', '-', '.', ':'`);
  }
  const source: SourceInfo = { kind: 'appsrc', input: opts.streamId, uri: `appsrc://${opts.streamId}`, display: `appsrc://${opts.streamId}` };
  const { template, params } = resolvePipeline({ pipeline: opts.pipeline ?? 'appsrc', params: opts.params });
  const pipeline = renderLaunch(template, { params, source: { uri: source.uri }, withAudio: opts.withAudio });
  const parsed = parseLaunch(pipeline, sessionPipelineOptions(opts.streamId, source));
  const probe: SourceProbe = { durationNs: 0, live: true, hasVideo: true, hasAudio: opts.withAudio, video: null, audio: null };
  return new Session({ streamId: opts.streamId, source, probe, pipeline, parsed, startTimeMs: opts.startTimeMs, logger: opts.logger });
}
