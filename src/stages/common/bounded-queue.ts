/**
 * A bounded FIFO between a producer (ingestion) and a slow consumer (inference). Two overflow policies:
 * - `block` (files): `push` waits until there is room, so the decoder slows down and nothing is lost;
 * - `drop-oldest` (live sources): the oldest queued item is evicted and reported, because for a live feed a
 *   fresh frame is worth more than a stale one and ingestion must never wait on inference.
 */
export type OverflowPolicy = 'block' | 'drop-oldest';

export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: (() => void)[] = [];
  private dropped = 0;
  private highWater = 0;

  constructor(
    readonly capacity: number,
    readonly policy: OverflowPolicy,
    private readonly onDrop: (item: T) => void = () => {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get length(): number { return this.items.length; }
  get droppedCount(): number { return this.dropped; }
  /** Largest length ever observed: tests assert it never exceeds `capacity`. */
  get maxLength(): number { return this.highWater; }

  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity) {
      if (this.policy === 'drop-oldest') {
        const old = this.items.shift() as T;
        this.dropped++;
        this.onDrop(old);
      } else {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    }
    this.items.push(item);
    if (this.items.length > this.highWater) this.highWater = this.items.length;
  }

  /** Removes up to `n` items from the front and wakes blocked producers. */
  take(n: number): T[] {
    const out = this.items.splice(0, n);
    this.wake();
    return out;
  }

  /** Removes everything (shutdown); returns what was still queued. */
  drain(): T[] {
    return this.take(this.items.length);
  }

  peekOldest(): T | undefined { return this.items[0]; }

  private wake(): void {
    while (this.waiters.length && this.items.length < this.capacity) (this.waiters.shift() as () => void)();
  }
}
