import { discover } from '../gst';
import { VideoAgentError, isVideoAgentError } from '../errors';
import type { SourceInfo } from './source';

/** What discovery says about a source: enough to render the right pipeline and report progress. */
export interface SourceProbe {
  durationNs: number;
  live: boolean;
  hasVideo: boolean;
  hasAudio: boolean;
  video: { width: number; height: number; fps: number; codec: string } | null;
  audio: { rate: number; channels: number; codec: string } | null;
}

type DiscoverInfo = Awaited<ReturnType<typeof discover>>;

export function toProbe(info: DiscoverInfo): SourceProbe {
  const v = info.video;
  return {
    durationNs: Number(info.durationNs) || 0,
    live: Boolean(info.live),
    hasVideo: v != null,
    hasAudio: info.audio != null,
    video: v ? { width: v.width, height: v.height, fps: v.fpsD ? v.fpsN / v.fpsD : 0, codec: v.codec } : null,
    audio: info.audio ? { rate: info.audio.rate, channels: info.audio.channels, codec: info.audio.codec } : null,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Turns a GStreamer discovery failure on a file into one clear line: typefind failing means the bytes
 * are not media at all; a demuxer or decoder failing on recognised bytes means a truncated/corrupt file.
 */
export function fileProbeError(source: Extract<SourceInfo, { kind: 'file' }>, err: unknown): VideoAgentError {
  const text = errorText(err);
  const where = (err as { source?: string }).source ?? '';
  if (/could not determine type|typefind|text file/i.test(`${where} ${text}`)) {
    return new VideoAgentError('E_NOT_MEDIA', `${source.path} is not a media file (${short(text)})`, { cause: err });
  }
  if (/timed? ?out/i.test(text)) {
    return new VideoAgentError('E_PROBE_TIMEOUT', `${source.path}: reading the media headers timed out (${short(text)})`, { cause: err });
  }
  return new VideoAgentError('E_CORRUPT_MEDIA', `${source.path} is truncated or corrupt: ${short(text)}`, { cause: err });
}

function short(text: string): string {
  // The discover wrapper prefixes "cannot read media from <uri>: "; the path is already in our message.
  text = text.replace(/^cannot read media from \S+: /, '');
  // Drop GStreamer's element path prefix ("/GstPipeline:…/GstQTDemux:qtdemux0: ") but keep the element name.
  const m = /^\/?(?:[^:\s]+:[^/\s]+\/)*[^:\s]+:([^:\s]+): (.*)$/s.exec(text);
  const line = (m ? `${m[1]}: ${m[2]}` : text).split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

export async function probeFile(source: Extract<SourceInfo, { kind: 'file' }>, timeoutMs: number): Promise<SourceProbe> {
  let probe: SourceProbe;
  try {
    probe = toProbe(await discover(source.uri, timeoutMs));
  } catch (err) {
    throw fileProbeError(source, err);
  }
  if (!probe.hasVideo) {
    throw new VideoAgentError('E_NO_VIDEO', `${source.path} has no video stream${probe.hasAudio ? ' (audio only)' : ''}`);
  }
  return probe;
}

/**
 * The first connection to an RTSP source: retried (servers and cameras may still be starting) until
 * `connectTimeoutMs` has passed, then one error naming the host.
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
      // GstDiscoverer accepts timeouts of 1 s .. 1 h only.
      const probe = toProbe(await discover(source.uri, Math.max(1000, left)));
      if (!probe.hasVideo) throw new VideoAgentError('E_NO_VIDEO', `${source.display} has no video stream`);
      return probe;
    } catch (err) {
      if (isVideoAgentError(err) && err.code === 'E_NO_VIDEO') throw err;
      last = err;
    }
    const wait = Math.min(opts.retryDelayMs ?? 500, deadline - Date.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const reason = last ? `: ${short(errorText(last))}` : '';
  return Promise.reject(
    new VideoAgentError('E_CONNECT_TIMEOUT', `could not connect to RTSP host ${source.host} (${source.display}) within ${fmtSeconds(connectTimeoutMs)}${reason}`, { cause: last }),
  );
}

function fmtSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
