import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { VideoAgentError } from '../errors';
import { loadNative, type NativeDiscoverInfo } from './native';

/** What GstDiscoverer reports (durationNs is -1 when unknown, e.g. live). Same shape as the native result. */
export type DiscoverInfo = NativeDiscoverInfo;

/** A URI as GStreamer wants it: plain paths become file:// URIs. */
export function toUri(uriOrPath: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uriOrPath) ? uriOrPath : pathToFileURL(uriOrPath).href;
}

/** GstDiscoverer's `timeout` property only accepts 1 s .. 1 h. */
const MIN_TIMEOUT_MS = 1_000;
const MAX_TIMEOUT_MS = 3_600_000;
/**
 * Local files are probed in attempts of 1 s, 2 s, 4 s… within the caller's budget. With GStreamer
 * 1.22 a demuxer that fails fast in pull mode (truncated MP4: "no playable streams") can post its
 * error while decodebin2 is still trying it, and decodebin swallows it: the probe then hangs until
 * the timeout (reproduced: ~1 in 6 concurrent probes, also from Python; more likely under load).
 * A retry answers in milliseconds. Live URIs get one attempt: they may legitimately be slow.
 */
const FIRST_FILE_ATTEMPT_MS = 1_000;

function clampTimeout(ms: number): number {
  return Math.min(Math.max(ms, MIN_TIMEOUT_MS), MAX_TIMEOUT_MS);
}

/**
 * Probes a file or stream with GstDiscoverer off the JS thread. timeoutMs is clamped to 1 s .. 1 h
 * (GstDiscoverer's range). Throws VideoAgentError E_FILE_NOT_FOUND for a missing file, E_DISCOVER
 * (with GStreamer's message) when the source cannot be read or decoded or does not answer in time.
 */
export async function discover(uriOrPath: string, timeoutMs = 10_000): Promise<DiscoverInfo> {
  const uri = toUri(uriOrPath);
  const isFile = uri.startsWith('file://');
  if (isFile) {
    const file = fileURLToPath(uri);
    if (!fs.existsSync(file)) throw new VideoAgentError('E_FILE_NOT_FOUND', `media file not found: ${file}`);
  }
  const native = loadNative();
  const deadline = Date.now() + clampTimeout(timeoutMs);
  let attemptMs = FIRST_FILE_ATTEMPT_MS;
  for (;;) {
    const left = deadline - Date.now();
    try {
      const info: NativeDiscoverInfo = await native.discover(uri, clampTimeout(isFile ? Math.min(attemptMs, left) : left));
      return info;
    } catch (err) {
      const timedOut = (err as { code?: unknown }).code === 'TIMEOUT';
      if (isFile && timedOut && deadline - Date.now() >= MIN_TIMEOUT_MS) {
        attemptMs *= 2;
        continue;
      }
      throw new VideoAgentError('E_DISCOVER', `cannot read media from ${uri}: ${(err as Error).message}`, { cause: err });
    }
  }
}
