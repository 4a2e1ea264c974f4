import { createHash } from 'node:crypto';

/**
 * A small LRU of model outputs keyed by a content hash of (model, input), so the same frame or audio sent
 * twice to one model is paid for once. Map iteration order is insertion order: re-inserting marks recency.
 */
export class ResultCache<V = unknown> {
  private readonly map = new Map<string, V>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  static key(model: string, input: unknown): string {
    return createHash('sha256').update(model).update('\0').update(JSON.stringify(input)).digest('base64url');
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, value: V): void {
    if (this.capacity <= 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }
}
