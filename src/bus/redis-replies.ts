/** Parsers for RESP2 stream replies read with callBuffer (fields stay Buffers: JPEG/PCM are never decoded). */

export interface RawEntry {
  id: string;
  /** null when the entry was trimmed (MAXLEN) while pending. */
  fields: Record<string, Buffer> | null;
}

function toFields(flat: unknown): Record<string, Buffer> | null {
  if (!Array.isArray(flat)) return null;
  const out: Record<string, Buffer> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[(flat[i] as Buffer).toString()] = flat[i + 1] as Buffer;
  return out;
}

function toEntries(list: unknown): RawEntry[] {
  if (!Array.isArray(list)) return [];
  return list.map((e) => {
    const [id, flat] = e as [Buffer, unknown];
    return { id: id.toString(), fields: toFields(flat) };
  });
}

/**
 * XREADGROUP: RESP2 is [[key, entries], …]; ioredis 6 flattens it to [key, entries, key, entries, …].
 * Both shapes are accepted so a client upgrade cannot silently stop delivery.
 */
export function parseReadGroup(reply: unknown): { key: string; entries: RawEntry[] }[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const pairs: [unknown, unknown][] = [];
  if (Array.isArray(reply[0])) for (const s of reply) pairs.push(s as [unknown, unknown]);
  else for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([reply[i], reply[i + 1]]);
  return pairs.map(([key, entries]) => ({ key: String(key), entries: toEntries(entries) }));
}

/** XAUTOCLAIM: [next, entries, deletedIds (Redis ≥ 7)]. */
export function parseAutoClaim(reply: unknown): { next: string; entries: RawEntry[]; deleted: string[] } {
  const [next, entries, deleted] = reply as [Buffer, unknown, unknown];
  return {
    next: next.toString(),
    entries: toEntries(entries),
    deleted: Array.isArray(deleted) ? deleted.map((d) => (d as Buffer).toString()) : [],
  };
}
