import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { VideoAgentError } from '../errors';
import { loadNative, type NativeDiscoverInfo } from './native';

export interface DiscoverInfo {
  /** -1 when unknown (live). */
  durationNs: number;
  seekable: boolean;
  live: boolean;
  video: { width: number; height: number; fpsN: number; fpsD: number; codec: string } | null;
  audio: { rate: number; channels: number; codec: string } | null;
  tags: Record<string, string>;
}

/** A URI as GStreamer wants it: plain paths become file:// URIs. */
export function toUri(uriOrPath: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uriOrPath) ? uriOrPath : pathToFileURL(uriOrPath).href;
}

/** GstDiscoverer's `timeout` property only accepts 1 s .. 1 h. */
const MIN_TIMEOUT_MS = 1_000;
const MAX_TIMEOUT_MS = 3_600_000;

/**
 * Probes a file or stream with GstDiscoverer off the JS thread. timeoutMs is clamped to 1 s .. 1 h
 * (GstDiscoverer's range). Throws VideoAgentError
 * E_FILE_NOT_FOUND for a missing file, E_DISCOVER (with GStreamer's message) when the source cannot
 * be read or decoded or does not answer within timeoutMs.
 */
export async function discover(uriOrPath: string, timeoutMs = 10_000): Promise<DiscoverInfo> {
  const uri = toUri(uriOrPath);
  if (uri.startsWith('file://')) {
    const file = fileURLToPath(uri);
    if (!fs.existsSync(file)) throw new VideoAgentError('E_FILE_NOT_FOUND', `media file not found: ${file}`);
  }
  let info: NativeDiscoverInfo;
  try {
    const timeout = Math.min(Math.max(timeoutMs, MIN_TIMEOUT_MS), MAX_TIMEOUT_MS);
    info = await loadNative().discover(uri, timeout);
  } catch (err) {
    if (err instanceof VideoAgentError) throw err;
    throw new VideoAgentError('E_DISCOVER', `cannot read media from ${uri}: ${(err as Error).message}`, { cause: err });
  }
  return info;
}
