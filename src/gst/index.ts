/** Typed GStreamer API over the native addon (native/). See native/index.d.ts for the raw layer. */
export { loadNative, NATIVE_ADDON_CANDIDATES, type NativeModule } from './native';
export {
  Pipeline, DEFAULT_MAX_BUFFERS, MAX_MAX_BUFFERS, MAX_PUSH_TIME_NS, DEFAULT_BUS_QUEUE, MAX_BUS_QUEUE,
  type BusStats, type PipelineEvents, type PipelineOptions, type SeekFlags, type PipelineStatus, type SrcBacklog, type StateChange, type GstStateName,
} from './pipeline';
export { SinkStream, estimateDropped, type Sample, type SinkLimits, type SinkCounters } from './sink-stream';
export { GstError, codeFor, scrubUserinfo, toGstError, type ErrorSubject, type GstReason, type GstWarning, type GstErrorDetails } from './errors';
export {
  discover, toUri, setMaxConcurrentProbes, probeLoad, DEFAULT_DISCOVER_TIMEOUT_MS, MIN_DISCOVER_TIMEOUT_MS, MAX_DISCOVER_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_PROBES, MAX_MAX_CONCURRENT_PROBES, type DiscoverInfo, type DiscoverOptions,
} from './discover';

import { loadNative } from './native';

/** e.g. "GStreamer 1.22.0". */
export function gstVersion(): string {
  return loadNative().gstVersion();
}

/** gst_parse_launch calls in this process so far (the addon counts them); tests use it to count parses. */
export function parseCount(): number {
  return loadNative().parseCount();
}
