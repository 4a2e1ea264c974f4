/** Typed GStreamer API over the native addon (native/). See native/index.d.ts for the raw layer. */
export { loadNative, NATIVE_ADDON_CANDIDATES, type NativeModule } from './native';
export { Pipeline, type PipelineEvents, type PipelineOptions, type PipelineStatus, type SrcBacklog, type StateChange, type GstStateName } from './pipeline';
export { SinkStream, type Sample } from './sink-stream';
export { GstError, type GstWarning, type GstErrorDetails } from './errors';
export { discover, toUri, type DiscoverInfo } from './discover';

import { loadNative } from './native';

/** e.g. "GStreamer 1.22.0". */
export function gstVersion(): string {
  return loadNative().gstVersion();
}
