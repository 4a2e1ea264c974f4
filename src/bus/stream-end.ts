import { streamTag } from './keys';
import type { StreamEnd } from './types';

/**
 * End-of-stream marker layout (docs/architecture.md, bus section). Redis: the hash `ended:{<streamId>}`
 * (`at`, `remote`, `key:<key>` = last id published, `done:<stage>` = when that stage's worker finished)
 * and the sorted set `streams:ended` (score = `at`) that lists ended streams for workers and pruning.
 */
export const ENDED_SET_KEY = 'streams:ended';
export const endedKey = (streamId: string): string => `ended:${streamTag(streamId)}`;

/** Orders stream entry ids (`ms-seq`) numerically. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map((x) => BigInt(x || '0'));
  const [bm, bs] = b.split('-').map((x) => BigInt(x || '0'));
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

export function parseStreamEnd(h: Record<string, string>): StreamEnd | null {
  if (!h.at) return null;
  const lastIds: Record<string, string> = {};
  const done: string[] = [];
  for (const [f, v] of Object.entries(h)) {
    if (f.startsWith('key:')) lastIds[f.slice(4)] = v;
    else if (f.startsWith('done:')) done.push(f.slice(5));
  }
  return { at: Number(h.at), lastIds, remote: h.remote ? h.remote.split(',').filter(Boolean) : [], done: done.sort() };
}

/** Tracks the last id this process published per stream and key (what its end marker records). */
export class LastIds {
  private readonly byStream = new Map<string, Map<string, string>>();

  note(streamId: string, key: string, id: string): void {
    let m = this.byStream.get(streamId);
    if (!m) this.byStream.set(streamId, (m = new Map()));
    m.set(key, id);
  }

  /** The fields for the marker; forgets the stream (it ended). */
  take(streamId: string): Record<string, string> {
    const m = this.byStream.get(streamId);
    this.byStream.delete(streamId);
    return Object.fromEntries([...(m ?? [])].map(([k, id]) => [`key:${k}`, id]));
  }
}
