/**
 * Where the WebSocket's live messages come from. In-process: the taps of this server's streams
 * (`LocalLiveFeed`). With REDIS_URL: the topic keys on Redis (`RedisLiveFeed`, src/server/live/redis-live-feed.ts),
 * so any API replica sees every stream, wherever it runs. Each message is serialized once, here, from its
 * topic codec (src/topics), and the same string goes to every client that wants it.
 */
import { CODECS, type GraphTopic, type TopicMessages } from '../../topics';

/** Topics a client may subscribe to (those with a codec). */
export const LIVE_TOPICS = Object.keys(CODECS) as GraphTopic[];

export interface LiveFilter {
  /** null: every stream. */
  streams: ReadonlySet<string> | null;
  topics: ReadonlySet<GraphTopic>;
}

/** One serialized message: `{topic, streamId, …codec.toJson(msg)}`. */
export interface LiveMessage {
  topic: GraphTopic;
  streamId: string;
  data: string;
}

export type LiveListener = (m: LiveMessage) => void;

export interface LiveFeed {
  readonly kind: 'local' | 'redis';
  subscribe(filter: LiveFilter, listener: LiveListener): () => void;
  close(): Promise<void>;
}

export function serializeLive<T extends GraphTopic>(topic: T, msg: TopicMessages[T]): LiveMessage {
  const body = CODECS[topic].toJson(msg as never);
  return { topic, streamId: msg.streamId, data: JSON.stringify({ topic, streamId: msg.streamId, ...body }) };
}

/** Subscribers indexed by topic: a message is matched against only the clients of its topic. */
export class Subscribers {
  private readonly byTopic = new Map<GraphTopic, Set<{ filter: LiveFilter; listener: LiveListener }>>();

  add(filter: LiveFilter, listener: LiveListener): () => void {
    const entry = { filter, listener };
    for (const t of filter.topics) {
      let set = this.byTopic.get(t);
      if (!set) this.byTopic.set(t, (set = new Set()));
      set.add(entry);
    }
    return () => { for (const t of filter.topics) this.byTopic.get(t)?.delete(entry); };
  }

  wants(topic: GraphTopic, streamId: string): boolean {
    const set = this.byTopic.get(topic);
    if (!set) return false;
    for (const e of set) if (!e.filter.streams || e.filter.streams.has(streamId)) return true;
    return false;
  }

  deliver(m: LiveMessage): void {
    const set = this.byTopic.get(m.topic);
    if (!set) return;
    for (const e of set) {
      if (e.filter.streams && !e.filter.streams.has(m.streamId)) continue;
      e.listener(m);
    }
  }

  /** Every (topic, stream) some client wants; `null` streams = all. */
  wanted(): { topic: GraphTopic; streams: ReadonlySet<string> | null }[] {
    const out: { topic: GraphTopic; streams: ReadonlySet<string> | null }[] = [];
    for (const [topic, set] of this.byTopic) for (const e of set) out.push({ topic, streams: e.filter.streams });
    return out;
  }
}

/** Fed by this process's stream taps; a message nobody wants is never serialized. */
export class LocalLiveFeed implements LiveFeed {
  readonly kind = 'local' as const;
  private readonly subs = new Subscribers();

  publish<T extends GraphTopic>(topic: T, msg: TopicMessages[T]): void {
    if (!this.subs.wants(topic, msg.streamId)) return;
    this.subs.deliver(serializeLive(topic, msg));
  }

  subscribe(filter: LiveFilter, listener: LiveListener): () => void {
    return this.subs.add(filter, listener);
  }

  async close(): Promise<void> {}
}
