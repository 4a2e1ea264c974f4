import { VideoAgentError } from '../errors';
import type { NativeSample } from './native';

/** One buffer from an appsink. Times are nanoseconds; -1 = the buffer carries none. */
export interface Sample {
  data: Buffer;
  ptsNs: number;
  durationNs: number;
  caps: string;
}

/** An appsink's queue limits, as applied (src/gst/pipeline.ts decides them). */
export interface SinkLimits {
  /** Queue length; the streaming thread waits (drop=false) or the oldest sample goes (drop=true) beyond it. */
  maxBuffers: number;
  drop: boolean;
}

/** The addon's raw counters of one appsink (native/index.d.ts sinkCounters). */
export interface SinkCounters {
  accepted: number;
  pulled: number;
  acceptedAtEmpty: number;
  pulledAtEmpty: number;
}

/** What a stream needs from its pipeline: the non-blocking pull, the raw counters and the limits of one appsink. */
export interface SinkPort {
  pull(): NativeSample | null;
  counters(): SinkCounters;
  limits: SinkLimits;
}

/**
 * Samples a drop=true appsink discarded, from the raw counters. GStreamer has no drop signal and 1.22
 * does not expose the queue level, so: dropped = accepted − pulled − queued, with queued bounded by
 * max-buffers (exact while the queue is full, which is when drops happen), and by 0 when a pull found
 * the queue empty (exact once drained). `floor` keeps the result monotonic.
 */
export function estimateDropped(c: SinkCounters, limits: SinkLimits, floor: number): number {
  if (!limits.drop) return 0;
  return Math.max(floor, c.acceptedAtEmpty - c.pulledAtEmpty, c.accepted - c.pulled - limits.maxBuffers);
}

type Waiter = { resolve: (r: IteratorResult<Sample>) => void; reject: (e: Error) => void };

function toSample(s: NativeSample): Sample {
  return { data: s.data, ptsNs: s.pts, durationNs: s.duration, caps: s.caps };
}

/**
 * One appsink as a pull-based async iterator. A sample leaves the appsink only when the consumer
 * asks for the next one, so a slow async consumer fills the appsink queue (max-buffers) and, with
 * drop=false, stalls the streaming thread upstream: real backpressure, nothing lost. With drop=true
 * (live sources) the appsink discards the oldest samples instead and `dropped` counts them.
 * The iterator ends after EOS once every sample has been delivered, ends when the pipeline is
 * stopped, and throws the pipeline's GstError when it fails. Breaking out of a for-await loop
 * releases the sink: its samples are discarded from then on so it never stalls the other sinks.
 */
export class SinkStream implements AsyncIterableIterator<Sample> {
  private waiter: Waiter | undefined;
  /** Samples drained from the appsink at EOS, delivered before the end. */
  private readonly tail: Sample[] = [];
  private ended = false;
  private released = false;
  private failure: Error | undefined;
  private delivered = 0;
  private droppedFloor = 0;

  constructor(
    readonly name: string,
    private readonly port: SinkPort,
  ) {}

  /** Samples the appsink discarded (drop=true sinks; a lower bound while playing, exact once drained). */
  get dropped(): number {
    if (!this.port.limits.drop) return 0;
    this.droppedFloor = estimateDropped(this.port.counters(), this.port.limits, this.droppedFloor);
    return this.droppedFloor;
  }

  /** Samples handed to the consumer so far. */
  get count(): number {
    return this.delivered;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Sample>> {
    if (this.waiter) {
      return Promise.reject(new VideoAgentError('E_GST_USAGE', `sink "${this.name}": next() called while a previous next() is pending`));
    }
    if (this.failure) return Promise.reject(this.failure);
    const sample = this.take();
    if (sample) return Promise.resolve(this.deliver(sample));
    if (this.ended || this.released) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The consumer stopped iterating (break/return): discard from now on so the pipeline keeps flowing. */
  return(): Promise<IteratorResult<Sample>> {
    this.released = true;
    this.tail.length = 0;
    this.discardQueued();
    this.settleWaiter({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Pipeline side: the appsink may hold samples now. */
  notifyReady(): void {
    if (this.released || this.ended || this.failure) {
      this.discardQueued();
      return;
    }
    if (!this.waiter) return; // pulled when the consumer asks: that is the backpressure
    const native = this.port.pull();
    if (native) this.settleWaiter(this.deliver(toSample(native)));
  }

  /** Pipeline side: EOS reached; move what is left in the appsink to the tail and end after it. */
  endOfStream(): void {
    if (this.ended) return;
    if (!this.released && !this.failure) {
      for (let s = this.port.pull(); s; s = this.port.pull()) this.tail.push(toSample(s));
    }
    this.ended = true;
    if (this.waiter) {
      const next = this.tail.shift();
      this.settleWaiter(next ? this.deliver(next) : { value: undefined, done: true });
    }
  }

  /** Pipeline side: stopped by the user; the iterator ends without delivering queued samples. */
  close(): void {
    this.ended = true;
    this.settleWaiter({ value: undefined, done: true });
  }

  /** Pipeline side: the pipeline failed; the pending and every later next() reject with err. */
  fail(err: Error): void {
    if (this.ended && this.tail.length === 0) return; // already finished cleanly
    this.failure = err;
    this.tail.length = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  private take(): Sample | undefined {
    const queued = this.tail.shift();
    if (queued) return queued;
    if (this.ended || this.released) return undefined;
    const native = this.port.pull();
    return native ? toSample(native) : undefined;
  }

  private deliver(sample: Sample): IteratorResult<Sample> {
    this.delivered++;
    return { value: sample, done: false };
  }

  private settleWaiter(result: IteratorResult<Sample>): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve(result);
  }

  private discardQueued(): void {
    while (this.port.pull()) {
      /* discard */
    }
  }
}
