import { VideoAgentError } from '../errors';

/**
 * The topics of the stage graph and their bus keys (`<prefix>:<streamId>`, no braces: braces are Redis
 * Cluster hash tags and would pin every stream to one slot). Topic names are what the stage registry, the
 * WebSocket and the store speak; the key prefix is what Redis shows (frames travel on `video:<id>`).
 */
export const TOPIC_KEY_PREFIX = {
  frames: 'video',
  audio: 'audio',
  detections: 'detections',
  transcripts: 'transcripts',
  speakers: 'speakers',
  emotions: 'emotions',
  events: 'events',
  highlights: 'highlights',
  alerts: 'alerts',
  state: 'state',
} as const;
export type Topic = keyof typeof TOPIC_KEY_PREFIX;
export const TOPICS = Object.keys(TOPIC_KEY_PREFIX) as Topic[];
const TOPIC_BY_PREFIX = new Map<string, Topic>(TOPICS.map((t) => [TOPIC_KEY_PREFIX[t], t]));

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
  return `${TOPIC_KEY_PREFIX[topic]}:${streamId}`;
}

/** `video:cam-1` → { topic: 'frames', streamId: 'cam-1' }; null for keys outside the naming scheme. */
export function parseStreamKey(key: string): { topic: Topic; streamId: string } | null {
  const i = key.indexOf(':');
  if (i <= 0) return null;
  const topic = TOPIC_BY_PREFIX.get(key.slice(0, i));
  return topic ? { topic, streamId: key.slice(i + 1) } : null;
}

/** Lease for stateful per-stream work (tracking, audio windows, the VLM window). */
export function leaseName(stage: string, streamId: string): string {
  assertStreamId(streamId);
  return `lease:${stage}:${streamId}`;
}
