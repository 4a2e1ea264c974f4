import { VideoAgentError } from '../errors';

/**
 * Redis stream keys exactly as DESIGN.md names them: `<topic>:<streamId>`, no braces (braces are Redis
 * Cluster hash tags and would pin every stream to one slot).
 */
export const TOPICS = ['video', 'audio', 'detections', 'transcripts', 'emotions', 'events', 'highlights'] as const;
export type Topic = (typeof TOPICS)[number];

/** The set of known stream ids, so workers discover new streams to consume. */
export const REGISTRY_KEY = 'streams';

const STREAM_ID_RE = /^[^\s{}]{1,200}$/;

export function assertStreamId(streamId: string): void {
  if (!STREAM_ID_RE.test(streamId)) {
    throw new VideoAgentError('E_BAD_STREAM_ID', `invalid stream id "${streamId}": 1-200 characters, no spaces or braces`);
  }
}

export function streamKey(topic: Topic, streamId: string): string {
  assertStreamId(streamId);
  return `${topic}:${streamId}`;
}

/** `video:cam-1` → { topic: 'video', streamId: 'cam-1' }; null for keys outside the naming scheme. */
export function parseStreamKey(key: string): { topic: Topic; streamId: string } | null {
  const i = key.indexOf(':');
  if (i <= 0) return null;
  const topic = key.slice(0, i) as Topic;
  if (!TOPICS.includes(topic)) return null;
  return { topic, streamId: key.slice(i + 1) };
}

/** Lease for stateful per-stream work (tracking, audio windows, the VLM window). */
export function leaseName(stage: string, streamId: string): string {
  assertStreamId(streamId);
  return `lease:${stage}:${streamId}`;
}
