import { VideoAgentError } from '../errors';

/**
 * The topics of the stage graph and their bus keys (`<prefix>:{<streamId>}`). The braces are a Redis Cluster
 * hash tag: every key of one stream (topics, leases and their fences, stage state, end marker) hashes to the slot
 * of its stream id, so the multi-key scripts (lease acquisition, fenced XACK and SET, trim check) touch one slot,
 * while different streams still spread over the cluster. Stream ids carry no braces (assertStreamId), so the tag
 * is always the id. Topic names are what the stage registry, the WebSocket and the store speak; the key prefix is
 * what Redis shows (frames travel on `video:{<id>}`).
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

/** `{<streamId>}`: the hash tag every key of one stream carries. */
export function streamTag(streamId: string): string {
  assertStreamId(streamId);
  return `{${streamId}}`;
}

export function streamKey(topic: Topic, streamId: string): string {
  return `${TOPIC_KEY_PREFIX[topic]}:${streamTag(streamId)}`;
}

/**
 * `video:{cam-1}` → { topic: 'frames', streamId: 'cam-1' }; null for keys outside the naming scheme. A key without
 * the tag (`video:cam-1`, written by hand or before the tag) parses to the same stream.
 */
export function parseStreamKey(key: string): { topic: Topic; streamId: string } | null {
  const i = key.indexOf(':');
  if (i <= 0) return null;
  const topic = TOPIC_BY_PREFIX.get(key.slice(0, i));
  if (!topic) return null;
  const rest = key.slice(i + 1);
  const tagged = rest.length > 2 && rest.startsWith('{') && rest.endsWith('}') && rest.indexOf('}') === rest.length - 1;
  return { topic, streamId: tagged ? rest.slice(1, -1) : rest };
}

/** Lease for stateful per-stream work (tracking, audio windows, the VLM window). */
export function leaseName(stage: string, streamId: string): string {
  return `lease:${stage}:${streamTag(streamId)}`;
}

/** A stage's per-stream state (handed from one worker to the next), in the slot of the stream's lease fence. */
export function stageStateKey(stage: string, streamId: string): string {
  return `state:${stage}:${streamTag(streamId)}`;
}

/**
 * Redis Cluster's hash tag of a key: the part between the first `{` and the next `}` when not empty, else the
 * whole key. Keys with equal tags share a slot (what one script call may touch).
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** `keys` grouped by hash tag, in first-seen order: one group per script call on a cluster. */
export function groupBySlotTag(keys: string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    const tag = hashTagOf(k);
    const g = groups.get(tag);
    if (g) g.push(k); else groups.set(tag, [k]);
  }
  return [...groups.values()];
}
