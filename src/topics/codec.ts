/**
 * One codec per topic: the only place a topic's message becomes bus fields and back. The in-process bus,
 * Redis Streams and the WebSocket all go through it, so a message looks the same wherever it is read.
 * Media stays binary (a `jpeg` / `pcm` Buffer field, never base64 in JSON); numbers travel as decimal
 * strings; structured results as one `json` field validated on decode, so a malformed entry fails with
 * E_BAD_MESSAGE naming the entry and the field instead of reaching a stage half-read.
 */
import type { z } from 'zod';
import { VideoAgentError } from '../errors';
import type { BusFields, Delivery, Topic } from '../bus';
import { parseStreamKey } from '../bus/keys';

export interface TopicCodec<T> {
  readonly topic: Topic;
  encode(msg: T): BusFields;
  decode(d: Delivery): T;
  /** The JSON shape clients see (WebSocket, tools reading Redis): snake_case, media left out. */
  toJson(msg: T): Record<string, unknown>;
}

export function badMessage(d: Pick<Delivery, 'id' | 'key'>, what: string): VideoAgentError {
  return new VideoAgentError('E_BAD_MESSAGE', `message ${d.id} on ${d.key}: ${what}`, { kind: 'bad_input' });
}

export function field(d: Delivery, name: string): Buffer {
  const v = d.fields[name];
  if (v === undefined) throw badMessage(d, `no "${name}" field`);
  return v;
}

export function numberField(d: Delivery, name: string): number {
  const n = Number(field(d, name).toString());
  if (!Number.isFinite(n)) throw badMessage(d, `"${name}" is not a number`);
  return n;
}

export function intField(d: Delivery, name: string): number {
  const n = numberField(d, name);
  if (!Number.isSafeInteger(n)) throw badMessage(d, `"${name}" is not an integer`);
  return n;
}

/** The stream id field, checked against the key it arrived on (an entry on another stream's key is refused). */
export function streamIdField(d: Delivery): string {
  const id = field(d, 'streamId').toString();
  const keyId = parseStreamKey(d.key)?.streamId ?? d.key.slice(d.key.indexOf(':') + 1);
  if (id !== keyId) throw badMessage(d, `stream id "${id}" does not match its key`);
  return id;
}

/**
 * A JSON topic: `streamId` and `ptsUs` stay readable fields (for redis-cli and tools), the body is the
 * wire shape as JSON, validated with `schema` on decode and mapped to the typed message by `fromWire`.
 */
export function jsonCodec<T extends { streamId: string; ptsUs: number }, W>(
  topic: Topic,
  schema: z.ZodType<W>,
  toWire: (msg: T) => W,
  fromWire: (w: W, streamId: string, ptsUs: number) => T,
): TopicCodec<T> {
  return {
    topic,
    encode: (msg) => ({ streamId: msg.streamId, ptsUs: msg.ptsUs, json: JSON.stringify(toWire(msg)) }),
    decode(d) {
      const streamId = streamIdField(d);
      const ptsUs = intField(d, 'ptsUs');
      let raw: unknown;
      try {
        raw = JSON.parse(field(d, 'json').toString());
      } catch {
        throw badMessage(d, '"json" is not valid JSON');
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw badMessage(d, `"json" does not match the ${topic} message: ${issue.path.join('.') || '(root)'} ${issue.message}`);
      }
      return fromWire(parsed.data, streamId, ptsUs);
    },
    toJson: (msg) => ({ stream_id: msg.streamId, pts_us: msg.ptsUs, ...(toWire(msg) as Record<string, unknown>) }),
  };
}
