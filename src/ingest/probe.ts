import { discover, type DiscoverInfo, GstError } from '../gst';
import { VideoAgentError, isVideoAgentError } from '../errors';
import type { SourceInfo } from './source';

/** What discovery says about a source: enough to render the right pipeline and report progress. */
export interface SourceProbe {
  durationNs: number;
  live: boolean;
  hasVideo: boolean;
  hasAudio: boolean;
  video: { width: number; height: number; fps: number; codec: string } | null;
  audio: { rate: number; channels: number; codec: string; rtpEncoding?: string } | null;
}

export function toProbe(info: DiscoverInfo): SourceProbe {
  const v = info.video;
  return {
    durationNs: Number(info.durationNs) || 0,
    live: Boolean(info.live),
    hasVideo: v != null,
    hasAudio: info.audio != null,
    video: v ? { width: v.width, height: v.height, fps: v.fpsD ? v.fpsN / v.fpsD : 0, codec: v.codec } : null,
    audio: info.audio ? { rate: info.audio.rate, channels: info.audio.channels, codec: info.audio.codec, ...(info.audio.rtpEncoding ? { rtpEncoding: info.audio.rtpEncoding } : {}) } : null,
  };
}

/**
 * GStreamer's discoverer cache keys a file by URI and modification time in whole seconds: a file
 * rewritten in place within that second would get the old answer (e.g. an audio branch for a file
 * that no longer has audio, which never prerolls). Files younger than this are probed afresh.
 */
export const DISCOVER_CACHE_MIN_AGE_MS = 2_000;

/**
 * Discovers a local file: from GstDiscoverer's cache when the file has settled (a repeated ingest
 * of the same file skips the probe pipeline), else by running it. Failures arrive typed from the
 * addon (src/gst/errors.ts names the file and the problem: E_NOT_MEDIA, E_CORRUPT_MEDIA,
 * E_PROBE_TIMEOUT, E_MISSING_PLUGIN, …); failures are never cached.
 */
export async function probeFile(source: Extract<SourceInfo, { kind: 'file' }>, timeoutMs: number, now = Date.now()): Promise<SourceProbe> {
  const useCache = now - source.mtimeMs >= DISCOVER_CACHE_MIN_AGE_MS;
  const probe = toProbe(await discover(source.uri, timeoutMs, { subject: { kind: 'file', name: source.path }, useCache }));
  if (!probe.hasVideo) {
    throw new VideoAgentError('E_NO_VIDEO', `${source.path} has no video stream${probe.hasAudio ? ' (audio only)' : ''}`, { kind: 'bad_input' });
  }
  return probe;
}

/**
 * The first connection to an RTSP source: retried (servers and cameras may still be starting) until
 * `connectTimeoutMs` has passed, then one error naming the host. Failures retrying cannot fix
 * (refused credentials, missing plugin, not a media stream) end it at once.
 */
export async function probeRtsp(
  source: Extract<SourceInfo, { kind: 'rtsp' }>,
  connectTimeoutMs: number,
  opts: { signal?: AbortSignal; retryDelayMs?: number } = {},
): Promise<SourceProbe> {
  const deadline = Date.now() + connectTimeoutMs;
  let last: unknown;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || opts.signal?.aborted) break;
    try {
      const probe = toProbe(await discover(source.uri, left, { subject: { kind: 'stream', name: source.display } }));
      if (!probe.hasVideo) throw new VideoAgentError('E_NO_VIDEO', `${source.display} has no video stream`, { kind: 'bad_input' });
      return probe;
    } catch (err) {
      if (isVideoAgentError(err) && (err.code === 'E_NO_VIDEO' || (err instanceof GstError && !err.retryable))) throw err;
      last = err;
      // pino loads here, on a failed attempt, not on the way to a file's first frame.
      const log = (require('../obs/logger') as typeof import('../obs/logger')).logger;
      if (log.isLevelEnabled('debug')) {
        log.debug({ source: source.display, code: (err as VideoAgentError).code, err: (err as Error).message, debug: err instanceof GstError ? err.debug : undefined }, 'RTSP probe attempt failed; retrying');
      }
    }
    const wait = Math.min(opts.retryDelayMs ?? 500, deadline - Date.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const why = last instanceof GstError ? last.detail : last instanceof Error ? last.message : '';
  return Promise.reject(
    new VideoAgentError('E_CONNECT_TIMEOUT', `could not connect to RTSP host ${source.host} (${source.display}) within ${fmtSeconds(connectTimeoutMs)}${why ? `: ${why}` : ''}`, {
      cause: last,
      kind: 'deadline',
      retryable: true,
    }),
  );
}

function fmtSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
