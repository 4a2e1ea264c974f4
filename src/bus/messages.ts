import { VideoAgentError } from '../errors';
import type { AudioChunk, Frame } from '../types';
import type { BusFields, Delivery } from './types';

/**
 * Typed codecs between the event model and bus fields. Media stays binary (a `jpeg`/`pcm` Buffer field);
 * numbers travel as decimal strings; structured results as one `json` field.
 */

function field(d: Delivery, name: string): Buffer {
  const v = d.fields[name];
  if (v === undefined) throw new VideoAgentError('E_BAD_MESSAGE', `message ${d.id} on ${d.key} has no "${name}" field`);
  return v;
}

function num(d: Delivery, name: string): number {
  const n = Number(field(d, name).toString());
  if (!Number.isFinite(n)) throw new VideoAgentError('E_BAD_MESSAGE', `message ${d.id} on ${d.key}: "${name}" is not a number`);
  return n;
}

export function encodeFrame(f: Frame): BusFields {
  return { streamId: f.streamId, ptsUs: f.ptsUs, ts: f.ts, width: f.width, height: f.height, jpeg: f.jpeg };
}

export function decodeFrame(d: Delivery): Frame {
  return {
    streamId: field(d, 'streamId').toString(), ptsUs: num(d, 'ptsUs'), ts: num(d, 'ts'),
    width: num(d, 'width'), height: num(d, 'height'), jpeg: field(d, 'jpeg'),
  };
}

export function encodeAudio(a: AudioChunk): BusFields {
  return { streamId: a.streamId, ptsUs: a.ptsUs, ts: a.ts, pcm: a.pcm };
}

export function decodeAudio(d: Delivery): AudioChunk {
  return { streamId: field(d, 'streamId').toString(), ptsUs: num(d, 'ptsUs'), ts: num(d, 'ts'), pcm: field(d, 'pcm') };
}

/** Results (detections, transcripts, events…): the stream id and pts stay readable fields for tools. */
export function encodeJson(streamId: string, ptsUs: number, payload: unknown): BusFields {
  return { streamId, ptsUs, json: JSON.stringify(payload) };
}

export function decodeJson<T>(d: Delivery): { streamId: string; ptsUs: number; payload: T } {
  let payload: T;
  try {
    payload = JSON.parse(field(d, 'json').toString()) as T;
  } catch (err) {
    if (err instanceof VideoAgentError) throw err;
    throw new VideoAgentError('E_BAD_MESSAGE', `message ${d.id} on ${d.key}: "json" is not valid JSON`);
  }
  return { streamId: field(d, 'streamId').toString(), ptsUs: num(d, 'ptsUs'), payload };
}

/** Bus fields as bytes (what a consumer receives) without a round trip through Redis. */
export function toDeliveryFields(fields: BusFields): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
  return out;
}
