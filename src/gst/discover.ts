import { fileURLToPath, pathToFileURL } from 'node:url';

import { VideoAgentError } from '../errors';
import { type ErrorSubject, scrubUserinfo, toGstError } from './errors';
import { loadNative, type NativeDiscoverInfo, type NativeModule } from './native';

/** What GstDiscoverer reports (durationNs is -1 when unknown, e.g. live). Same shape as the native result. */
export type DiscoverInfo = NativeDiscoverInfo;

const URI_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A URI as GStreamer wants it: plain paths become file:// URIs. */
export function toUri(uriOrPath: string): string {
  return URI_SCHEME.test(uriOrPath) ? uriOrPath : pathToFileURL(uriOrPath).href;
}

/** GstDiscoverer's `timeout` property only accepts 1 s .. 1 h (the addon passes it through as given). */
export const MIN_DISCOVER_TIMEOUT_MS = 1_000;
export const MAX_DISCOVER_TIMEOUT_MS = 3_600_000;
export const DEFAULT_DISCOVER_TIMEOUT_MS = 10_000;
/**
 * Local files are probed in attempts of 1 s, 2 s, 4 s… within the caller's budget. With GStreamer
 * 1.22 a demuxer that fails fast in pull mode (truncated MP4: "no playable streams") can post its
 * error while decodebin2 is still trying it, and decodebin swallows it: the probe then hangs until
 * the timeout (reproduced: ~1 in 6 concurrent probes, also from Python; more likely under load).
 * A retry answers in milliseconds. Live URIs get one attempt: they may legitimately be slow.
 */
const FIRST_FILE_ATTEMPT_MS = 1_000;

/**
 * How many probes run at once, process-wide. Each native probe holds a thread of its own (never the
 * libuv pool) for up to its timeout; the rest wait here, in call order, without a thread.
 */
export const DEFAULT_MAX_CONCURRENT_PROBES = 8;
export const MAX_MAX_CONCURRENT_PROBES = 256;

let maxConcurrentProbes = DEFAULT_MAX_CONCURRENT_PROBES;
let runningProbes = 0;
const waitingProbes: Array<() => void> = [];

/** Sets the bound on concurrent probes (an integer 1 .. MAX_MAX_CONCURRENT_PROBES); queued probes start as slots free up. */
export function setMaxConcurrentProbes(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_MAX_CONCURRENT_PROBES) {
    throw new VideoAgentError('E_BAD_ARGUMENT', `maxConcurrentProbes must be an integer between 1 and ${MAX_MAX_CONCURRENT_PROBES}, got ${String(n)}`);
  }
  maxConcurrentProbes = n;
  while (runningProbes < maxConcurrentProbes && waitingProbes.length > 0) startNextProbe();
}

/** Probes running natively now and waiting for a slot (for tests and metrics). */
export function probeLoad(): { running: number; waiting: number; max: number } {
  return { running: runningProbes, waiting: waitingProbes.length, max: maxConcurrentProbes };
}

function startNextProbe(): void {
  runningProbes++;
  waitingProbes.shift()!();
}

/** Runs one native probe once a slot is free (in call order). */
async function inProbeSlot<T>(probe: () => Promise<T>): Promise<T> {
  if (runningProbes >= maxConcurrentProbes) await new Promise<void>((resolve) => waitingProbes.push(resolve));
  else runningProbes++;
  try {
    return await probe();
  } finally {
    runningProbes--;
    if (runningProbes < maxConcurrentProbes && waitingProbes.length > 0) startNextProbe();
  }
}

function clampTimeout(ms: number): number {
  return Math.round(Math.min(Math.max(ms, MIN_DISCOVER_TIMEOUT_MS), MAX_DISCOVER_TIMEOUT_MS));
}

export interface DiscoverOptions {
  /** Named in error messages (default: the file path, or the URI without userinfo). */
  subject?: ErrorSubject;
  /**
   * GstDiscoverer's own cache (`use-cache`, file:// only): a file discovered before is answered from
   * its serialized result in ~/.cache/gstreamer-1.0/discoverer, keyed by URI and modification time
   * (whole seconds), without running a pipeline. Default false; the caller decides when a file is
   * settled enough for that key to be safe (src/ingest/probe.ts).
   */
  useCache?: boolean;
}

/**
 * Probes a file or stream with GstDiscoverer off the JS thread and off the libuv pool, at most
 * setMaxConcurrentProbes() at once (the rest queue, and the wait counts against timeoutMs). timeoutMs is clamped to 1 s .. 1 h
 * (GstDiscoverer's range) here, before it crosses into the addon. Throws a GstError whose code says
 * what went wrong (E_NOT_MEDIA, E_CORRUPT_MEDIA, E_PROBE_TIMEOUT, E_FILE_NOT_FOUND, E_CONNECT_FAILED,
 * E_UNAUTHORIZED, E_MISSING_PLUGIN, …; see src/gst/errors.ts) with a message naming the subject.
 */
export async function discover(uriOrPath: string, timeoutMs = DEFAULT_DISCOVER_TIMEOUT_MS, opts: DiscoverOptions = {}): Promise<DiscoverInfo> {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new VideoAgentError('E_BAD_ARGUMENT', `discover: timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  const uri = toUri(uriOrPath);
  const isFile = uri.startsWith('file://');
  const subject: ErrorSubject = opts.subject ?? (isFile ? { kind: 'file', name: fileURLToPath(uri) } : { kind: 'stream', name: scrubUserinfo(uri) });
  const native = loadNative();
  // The wait for a slot counts against the caller's budget (a connect timeout stays one); a probe
  // that starts late still gets GstDiscoverer's minimum of 1 s.
  const deadline = Date.now() + clampTimeout(timeoutMs);
  return inProbeSlot(() => probeWithRetries(native, uri, isFile, deadline, opts.useCache === true, subject));
}

async function probeWithRetries(native: NativeModule, uri: string, isFile: boolean, deadline: number, useCache: boolean, subject: ErrorSubject): Promise<DiscoverInfo> {
  let attemptMs = FIRST_FILE_ATTEMPT_MS;
  for (;;) {
    const left = deadline - Date.now();
    try {
      return await native.discover(uri, clampTimeout(isFile ? Math.min(attemptMs, left) : left), isFile && useCache);
    } catch (err) {
      const timedOut = (err as { code?: unknown }).code === 'timeout';
      if (isFile && timedOut && deadline - Date.now() >= MIN_DISCOVER_TIMEOUT_MS) {
        attemptMs *= 2;
        continue;
      }
      throw toGstError(err, subject);
    }
  }
}
