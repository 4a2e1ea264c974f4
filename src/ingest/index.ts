/**
 * Ingestion: one Session per stream (file or RTSP), frames and audio with media time and wall clock,
 * reconnects for live sources, and a SessionManager for many streams in one process.
 *
 *   const session = await openSource('clip.mp4', { params: { fps: 5 } });
 *   for await (const item of session.media()) { … }      // or: await session.run({ onFrame, onAudio })
 */
export { openSource, openAppsrc, DEFAULT_CONNECT_TIMEOUT_MS, type OpenSourceOptions, type OpenAppsrcOptions } from './open-source';
export { Session, type SessionConfig, type SessionHandlers, type SessionState, type SessionStats, type MediaItem } from './session';
export { SessionManager } from './manager';
export { resolveSource, redactUrl, type SourceInfo } from './source';
export { defaultStreamId, isValidStreamId } from './stream-id';
export { probeFile, probeRtsp, type SourceProbe } from './probe';
export { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
export { MediaClock } from './media-clock';
export { createProgress, formatSummary, type ProgressReporter } from './progress';
export { registerIngestMetrics } from './metrics';
