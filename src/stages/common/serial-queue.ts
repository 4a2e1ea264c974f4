/**
 * A bounded queue with one consumer: work items are processed one at a time, in order. Used where a
 * stage's per-stream work must stay ordered (audio windows, VLM calls) while the producer keeps going.
 */
import { BoundedQueue, type OverflowPolicy } from './bounded-queue';

export class SerialQueue<T> {
  private readonly queue: BoundedQueue<T>;
  private worker: Promise<void> | null = null;

  constructor(
    capacity: number,
    policy: OverflowPolicy,
    private readonly handle: (item: T) => Promise<void>,
    private readonly onError: (err: unknown, item: T) => void,
    onDrop: (item: T) => void = () => {},
  ) {
    this.queue = new BoundedQueue<T>(capacity, policy, onDrop);
  }

  get capacity(): number { return this.queue.capacity; }
  get dropped(): number { return this.queue.droppedCount; }
  get highWater(): number { return this.queue.maxLength; }
  get length(): number { return this.queue.length; }

  async push(item: T): Promise<void> {
    await this.queue.push(item);
    this.kick();
  }

  /** Resolves once everything queued so far has been handled. */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  private kick(): void {
    if (this.worker) return;
    this.worker = (async () => {
      for (let item = this.queue.take(1); item.length; item = this.queue.take(1)) {
        try {
          await this.handle(item[0]);
        } catch (err) {
          this.onError(err, item[0]);
        }
      }
    })().finally(() => {
      this.worker = null;
      // An item pushed between the last take and this callback must not be stranded.
      if (this.queue.length) this.kick();
    });
  }
}
