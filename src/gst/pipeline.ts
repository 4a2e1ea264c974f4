import { EventEmitter } from 'node:events';

import type { Logger } from 'pino';

import { VideoAgentError } from '../errors';
import { type ErrorSubject, GstError, type GstWarning, toGstError, toGstWarning } from './errors';
import { loadNative, type NativeBusMessage, type NativePipeline } from './native';
import { type SinkLimits, SinkStream } from './sink-stream';

export type GstStateName = 'VOID_PENDING' | 'NULL' | 'READY' | 'PAUSED' | 'PLAYING';

export interface StateChange {
  source: string;
  old: GstStateName;
  current: GstStateName;
  pending: GstStateName;
}

export interface PipelineEvents {
  /** End of stream: every appsink has been drained into its stream (iterate them to the end). */
  eos: [];
  /** First fatal error. Emitted only when someone listens; `done` rejects and iterators throw either way. */
  error: [GstError];
  warning: [GstWarning];
  /** The pipeline's own state changes. */
  state: [StateChange];
}

export interface SrcBacklog {
  bytes: number;
  buffers: number;
  /** At or above the appsrc's max-bytes / max-buffers. */
  full: boolean;
}

export type PipelineStatus = 'created' | 'playing' | 'paused' | 'eos' | 'failed' | 'stopped';

export interface PipelineOptions {
  /** Bound into log lines (e.g. the stream id). */
  label?: string;
  /** What errors name (a file, a redacted stream URL); default: the pipeline, by its label. */
  subject?: ErrorSubject;
  /**
   * Appsink limits by sink name, applied after parsing and before anything starts. A sink not listed
   * keeps what the launch line set, except that an unbounded queue (max-buffers=0, GStreamer's
   * default) gets DEFAULT_MAX_BUFFERS: it would hide a slow consumer.
   */
  sinks?: Record<string, Partial<SinkLimits>>;
  /**
   * Bus events (warnings, state changes, EOS, errors) that may wait for the JS thread; beyond it the oldest warning
   * or state change is dropped and counted (busStats), never an error or EOS. Default DEFAULT_BUS_QUEUE.
   */
  busQueue?: number;
}

/** Bus events that may wait for the JS thread (a busy event loop; GStreamer posting warnings in a loop). */
export const DEFAULT_BUS_QUEUE = 256;
/** The largest busQueue accepted. */
export const MAX_BUS_QUEUE = 65_536;

/** The bus queue between GStreamer and the JS thread (native BusQueue). */
export interface BusStats {
  /** Events waiting now. */
  queued: number;
  /** The most events ever waiting at once (≤ limit, unless errors/EOS went past it). */
  peak: number;
  /** Warnings and state changes dropped because the queue was full. */
  dropped: number;
  limit: number;
}

/** max-buffers for an appsink the launch line left unbounded. */
export const DEFAULT_MAX_BUFFERS = 8;
/** The largest max-buffers accepted (a bigger queue is a memory leak in disguise). */
export const MAX_MAX_BUFFERS = 65_536;

function checkLimits(sink: string, limits: Partial<SinkLimits>): void {
  const { maxBuffers, drop } = limits;
  if (maxBuffers !== undefined && !(Number.isInteger(maxBuffers) && maxBuffers >= 1 && maxBuffers <= MAX_MAX_BUFFERS)) {
    throw new VideoAgentError('E_BAD_ARGUMENT', `appsink "${sink}": maxBuffers must be an integer between 1 and ${MAX_MAX_BUFFERS}, got ${String(maxBuffers)}`);
  }
  if (drop !== undefined && typeof drop !== 'boolean') {
    throw new VideoAgentError('E_BAD_ARGUMENT', `appsink "${sink}": drop must be true or false, got ${String(drop)}`);
  }
}

/** The largest media time push() accepts, in ns (2^53: exact as a JS number; ~104 days). */
export const MAX_PUSH_TIME_NS = Number.MAX_SAFE_INTEGER;

/** A buffer time for push(): absent or a finite ns value in 0 .. MAX_PUSH_TIME_NS (checked before it crosses). */
function checkTime(what: string, ns: number | undefined): void {
  if (ns === undefined) return;
  if (typeof ns !== 'number' || !Number.isFinite(ns) || ns < 0 || ns > MAX_PUSH_TIME_NS) {
    throw new VideoAgentError('E_BAD_ARGUMENT', `push: ${what} must be a finite number of nanoseconds between 0 and ${MAX_PUSH_TIME_NS}, got ${String(ns)}`);
  }
}

export type SeekFlags = 'accurate' | 'key-unit';

/** A seek range in ns: finite, >= 0, stop > start (or stop -1 = to the end); checked before it crosses. */
function checkSeek(startNs: number, stopNs: number, flags: SeekFlags): void {
  const ok = (ns: number): boolean => typeof ns === 'number' && Number.isFinite(ns) && ns >= 0 && ns <= MAX_PUSH_TIME_NS;
  if (!ok(startNs)) {
    throw new VideoAgentError('E_BAD_ARGUMENT', `seek: startNs must be a finite number of nanoseconds between 0 and ${MAX_PUSH_TIME_NS}, got ${String(startNs)}`, { kind: 'bad_input' });
  }
  if (stopNs !== -1 && (!ok(stopNs) || stopNs <= startNs)) {
    throw new VideoAgentError('E_BAD_ARGUMENT', `seek: stopNs must be -1 or a finite number of nanoseconds after startNs (${startNs}), got ${String(stopNs)}`, { kind: 'bad_input' });
  }
  if (flags !== 'accurate' && flags !== 'key-unit') {
    throw new VideoAgentError('E_BAD_ARGUMENT', `seek: flags must be 'accurate' or 'key-unit', got ${String(flags)}`, { kind: 'bad_input' });
  }
}

/** pino is loaded on the first log line, not at start-up: a clean run never needs it. */
function lazyLogger(bindings: Record<string, unknown>): () => Logger {
  let log: Logger | undefined;
  return () => (log ??= (require('../obs/logger') as typeof import('../obs/logger')).childLogger(bindings));
}

/**
 * A GStreamer pipeline from a gst-launch string, driven without a GMainLoop. Single-use:
 * create → sink(...) for each appsink you consume → start() → iterate → (EOS | error | stop()).
 * The native pipeline is stopped automatically at EOS and on error, so a finished pipeline never
 * keeps the process alive. Appsinks nobody claimed before start() are drained and discarded.
 */
export class Pipeline extends EventEmitter<PipelineEvents> {
  /** Resolves at EOS (all appsinks drained) or stop(); rejects with the first GstError. */
  readonly done: Promise<void>;
  readonly appsinks: readonly string[];
  readonly appsrcs: readonly string[];

  private readonly native: NativePipeline;
  private readonly streams = new Map<string, SinkStream>();
  private readonly limits = new Map<string, SinkLimits>();
  private readonly log: () => Logger;
  private readonly subject: ErrorSubject;
  private statusValue: PipelineStatus = 'created';
  private failure: GstError | undefined;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  /** The native teardown, once begun (stop(), EOS or error). */
  private released: Promise<void> | undefined;
  /** drain() in progress or done: its result (true: the EOS reached every sink). */
  private drained: Promise<boolean> | undefined;
  /** Settles a pending drain() (EOS, error, stop or its timeout). */
  private endDrain: ((eos: boolean) => void) | undefined;

  /**
   * Parses the launch string (once: this is the only gst_parse_launch) and applies the appsink limits;
   * nothing runs until start(). Throws GstError E_BAD_PIPELINE naming the bad element or property.
   */
  static create(launch: string, options: PipelineOptions = {}): Pipeline {
    for (const [name, limits] of Object.entries(options.sinks ?? {})) checkLimits(name, limits);
    const q = options.busQueue;
    if (q !== undefined && !(Number.isInteger(q) && q >= 1 && q <= MAX_BUS_QUEUE)) {
      throw new VideoAgentError('E_BAD_ARGUMENT', `busQueue must be an integer between 1 and ${MAX_BUS_QUEUE}, got ${String(q)}`);
    }
    return new Pipeline(launch, options);
  }

  private constructor(
    readonly launch: string,
    options: PipelineOptions,
  ) {
    super();
    this.log = lazyLogger({ component: 'gst', ...(options.label ? { label: options.label } : {}) });
    this.subject = options.subject ?? { kind: 'pipeline', name: options.label ? `pipeline ${options.label}` : 'GStreamer pipeline' };
    const { NativePipeline: NativeCtor } = loadNative();
    try {
      this.native = new NativeCtor(
        launch,
        (msg) => this.onBus(msg),
        (sink) => this.onSampleReady(sink),
      );
    } catch (err) {
      throw toGstError(err, this.subject, { launch });
    }
    this.native.configureBus(options.busQueue ?? DEFAULT_BUS_QUEUE);
    this.appsinks = this.native.appsinks();
    this.appsrcs = this.native.appsrcs();
    for (const name of Object.keys(options.sinks ?? {})) {
      if (!this.appsinks.includes(name)) {
        void this.native.stop(); // never started: released at once
        throw new VideoAgentError('E_GST_NO_SINK', `sink limits for "${name}", but the pipeline has no such appsink (appsinks: ${this.appsinks.join(', ') || 'none'})`);
      }
    }
    for (const name of this.appsinks) {
      const set = this.native.sinkSettings(name);
      const wanted = options.sinks?.[name] ?? {};
      const limits: SinkLimits = {
        maxBuffers: wanted.maxBuffers ?? (set.maxBuffers > 0 ? set.maxBuffers : DEFAULT_MAX_BUFFERS),
        drop: wanted.drop ?? set.drop,
      };
      if (limits.maxBuffers !== set.maxBuffers || limits.drop !== set.drop) this.native.configureSink(name, limits.maxBuffers, limits.drop);
      this.limits.set(name, limits);
    }
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => undefined); // a rejection nobody awaits must not crash the process
  }

  get status(): PipelineStatus {
    return this.statusValue;
  }

  /**
   * The stream of one appsink. Claim every sink you consume before start(); calling it again
   * returns the same stream.
   */
  sink(name: string): SinkStream {
    const existing = this.streams.get(name);
    if (existing) return existing;
    if (!this.appsinks.includes(name)) {
      throw new VideoAgentError(
        'E_GST_NO_SINK',
        `the pipeline has no appsink named "${name}" (appsinks: ${this.appsinks.join(', ') || 'none'})`,
      );
    }
    if (this.statusValue !== 'created') {
      throw new VideoAgentError('E_GST_USAGE', `sink("${name}") must be claimed before start(): unclaimed samples are discarded`);
    }
    const stream = new SinkStream(name, {
      pull: () => this.native.pull(name),
      counters: () => this.native.sinkCounters(name),
      limits: this.limits.get(name)!,
    });
    this.streams.set(name, stream);
    return stream;
  }

  /** The appsink limits in force (after defaults), by sink name. */
  sinkLimits(name: string): SinkLimits | undefined {
    return this.limits.get(name);
  }

  /** Sets PLAYING. Returns this for chaining. */
  start(): this {
    this.assertUsable('start');
    this.native.play();
    this.statusValue = 'playing';
    return this;
  }

  /** Sets PAUSED (resume with start()). */
  pause(): void {
    this.assertUsable('pause');
    this.native.pause();
    this.statusValue = 'paused';
  }

  /**
   * Idempotent and non-blocking. Ends every stream at once (without the samples still queued) and
   * resolves `done` if it is pending; the returned promise resolves once GStreamer has reached NULL
   * and the native pipeline is released (an RTSP TEARDOWN over a dead network may take seconds: the
   * event loop keeps running meanwhile). It never rejects; every call returns the same promise.
   */
  stop(): Promise<void> {
    if (this.statusValue === 'stopped') return this.releaseNative();
    this.endDrain?.(false);
    const wasFinished = this.statusValue === 'eos' || this.statusValue === 'failed';
    const released = this.releaseNative();
    this.statusValue = 'stopped';
    if (!wasFinished) {
      for (const s of this.streams.values()) s.close();
      this.settle.resolve();
    }
    return released;
  }

  /**
   * A graceful end: sends EOS into the pipeline (every source pushes it downstream, so muxers such as
   * splitmuxsink finalise the file they write) and resolves once the bus EOS arrived (true) or after
   * timeoutMs, an error or stop() (false). Never blocks the JS thread and never rejects. At EOS the
   * pipeline ends as ever (streams drained, native released); otherwise it keeps playing: call stop().
   * Not playing (not started yet, or already at EOS, failed or stopped): nothing is sent, and it
   * resolves at once (true only at EOS). Once EOS is sent, every later call returns the same promise.
   */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.drained) return this.drained;
    if ((this.statusValue !== 'playing' && this.statusValue !== 'paused') || !(timeoutMs > 0) || !this.native.sendEos()) {
      return Promise.resolve(this.statusValue === 'eos');
    }
    this.drained = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (eos: boolean): void => {
        clearTimeout(timer);
        this.endDrain = undefined;
        resolve(eos);
      };
      this.endDrain = finish;
    });
    return this.drained;
  }

  private releaseNative(): Promise<void> {
    return (this.released ??= this.native.stop());
  }

  /** Let the process exit while this pipeline plays (like timer.unref()). */
  unref(): this {
    this.native.unref();
    return this;
  }

  /** Undo unref(): a playing pipeline keeps the process alive (the default). */
  ref(): this {
    this.native.ref();
    return this;
  }

  /** Pushes one buffer into an appsrc; false if the appsrc no longer accepts data (EOS, stopped). */
  push(src: string, data: Buffer, ptsNs?: number, durationNs?: number): boolean {
    this.assertSrc(src);
    checkTime('ptsNs', ptsNs);
    checkTime('durationNs', durationNs);
    if (this.statusValue === 'stopped') return false;
    return this.native.push(src, data, ptsNs ?? -1, durationNs ?? -1);
  }

  /**
   * What an appsrc holds queued. `full` when it reached max-bytes or max-buffers (0 = unlimited):
   * appsrc keeps accepting buffers beyond that (block=false), so a producer that must not outrun
   * the pipeline waits (pushWhenReady) and a live producer may drop instead.
   */
  srcBacklog(src: string): SrcBacklog {
    this.assertSrc(src);
    const level = this.native.srcLevel(src);
    const full = (level.maxBytes > 0 && level.bytes >= level.maxBytes) || (level.maxBuffers > 0 && level.buffers >= level.maxBuffers);
    return { bytes: level.bytes, buffers: level.buffers, full };
  }

  /**
   * push() after waiting until the appsrc is below its limits: backpressure for a JS producer.
   * Polls every pollMs (appsrc's need-data signal would cost a third cross-thread channel for the
   * same effect). Resolves false if the pipeline finished or was stopped meanwhile.
   */
  async pushWhenReady(src: string, data: Buffer, ptsNs?: number, durationNs?: number, pollMs = 5): Promise<boolean> {
    while (this.statusValue === 'playing' || this.statusValue === 'paused') {
      if (!this.srcBacklog(src).full) return this.push(src, data, ptsNs, durationNs);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    return this.statusValue === 'created' ? this.push(src, data, ptsNs, durationNs) : false;
  }

  /** Ends the appsrc's stream; the pipeline reaches EOS once it has flowed through. */
  endOfStream(src: string): void {
    this.assertSrc(src);
    if (this.statusValue !== 'stopped') this.native.endOfStream(src);
  }

  /**
   * Buffers discarded so far by each leaky queue (queue leaky=downstream|upstream), by element name.
   * Counted from the queue's overrun signal; still readable after stop(). Appsink drops: sink(name).dropped.
   */
  queueDrops(): Record<string, number> {
    return this.native.queueDrops();
  }

  /** The bus queue's counters (dropped: warnings and state changes lost to a full queue); readable after stop(). */
  busStats(): BusStats {
    return this.native.busCounters();
  }

  /** Position in ns, -1 if unknown. */
  position(): number {
    return this.statusValue === 'stopped' ? -1 : this.native.position();
  }

  /** Duration in ns, -1 if unknown (live sources). */
  duration(): number {
    return this.statusValue === 'stopped' ? -1 : this.native.duration();
  }

  /**
   * A flushing seek to [startNs, stopNs) (stopNs -1: to the end). 'accurate' starts exactly at startNs
   * (decoders drop what precedes it); 'key-unit' starts at the key frame at or before it (what a remux
   * wants). Seek once PAUSED has prerolled (see pauseAndPreroll), then start(). False if the pipeline
   * refused it or has finished. `element` (a name in the launch line): seek from there instead of from
   * the sinks, so the seek never passes a muxer (mp4mux answers a time seek with a GStreamer-CRITICAL).
   */
  seek(startNs: number, stopNs: number, flags: SeekFlags, element?: string): boolean {
    checkSeek(startNs, stopNs, flags);
    if (element !== undefined && (typeof element !== 'string' || !element)) {
      throw new VideoAgentError('E_BAD_ARGUMENT', `seek: element must be a non-empty element name, got ${String(element)}`, { kind: 'bad_input' });
    }
    if (this.statusValue === 'stopped' || this.statusValue === 'eos' || this.statusValue === 'failed') return false;
    try {
      return element === undefined ? this.native.seek(startNs, stopNs, flags) : this.native.seek(startNs, stopNs, flags, element);
    } catch (err) {
      throw new VideoAgentError('E_GST_USAGE', (err as Error).message, { kind: 'bad_input', cause: err });
    }
  }

  /**
   * pause() and wait until the pipeline itself reports PAUSED (prerolled: demuxers have their pads and
   * know their index, so a seek can be answered). Rejects with the pipeline's error if it fails first,
   * or E_GST_PREROLL_TIMEOUT after timeoutMs.
   */
  async pauseAndPreroll(timeoutMs: number): Promise<void> {
    const prerolled = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new VideoAgentError('E_GST_PREROLL_TIMEOUT', `${this.subject.name} did not preroll within ${timeoutMs} ms`, { kind: 'deadline' }));
      }, timeoutMs);
      const onState = (change: StateChange): void => {
        if (change.current === 'PAUSED' && change.pending === 'VOID_PENDING') {
          cleanup();
          resolve();
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('state', onState);
      };
      this.on('state', onState);
      this.done.then(
        () => {
          cleanup();
          reject(new VideoAgentError('E_GST_USAGE', `${this.subject.name} ended before it prerolled`));
        },
        (err: Error) => {
          cleanup();
          reject(err);
        },
      );
    });
    this.pause();
    return prerolled;
  }

  private assertUsable(op: string): void {
    if (this.statusValue === 'stopped' || this.statusValue === 'eos' || this.statusValue === 'failed') {
      throw new VideoAgentError('E_GST_USAGE', `cannot ${op}() a pipeline that is ${this.statusValue}: pipelines are single-use`);
    }
  }

  private assertSrc(src: string): void {
    if (!this.appsrcs.includes(src)) {
      throw new VideoAgentError(
        'E_GST_NO_SRC',
        `the pipeline has no appsrc named "${src}" (appsrcs: ${this.appsrcs.join(', ') || 'none'})`,
      );
    }
  }

  private onSampleReady(sink: string): void {
    if (this.statusValue === 'stopped') return;
    const stream = this.streams.get(sink);
    if (stream) {
      stream.notifyReady();
    } else {
      while (this.native.pull(sink)) {
        /* unclaimed appsink: discard so it never stalls the pipeline */
      }
    }
  }

  private onBus(msg: NativeBusMessage): void {
    if (this.statusValue === 'stopped' || this.statusValue === 'eos' || this.statusValue === 'failed') return;
    switch (msg.type) {
      case 'eos':
        this.onEos();
        break;
      case 'error':
        this.onError(toGstError(msg, this.subject));
        break;
      case 'warning': {
        const warning: GstWarning = toGstWarning(msg);
        this.log().warn({ source: warning.source, reason: warning.reason }, warning.message);
        this.emit('warning', warning);
        break;
      }
      case 'state':
        this.emit('state', {
          source: msg.source,
          old: msg.old as GstStateName,
          current: msg.current as GstStateName,
          pending: msg.pending as GstStateName,
        });
        break;
    }
  }

  private onEos(): void {
    // Drain first: every appsink's samples move into its stream before anyone hears about EOS.
    for (const s of this.streams.values()) s.endOfStream();
    for (const name of this.appsinks) {
      if (!this.streams.has(name)) while (this.native.pull(name)) { /* discard */ }
    }
    this.statusValue = 'eos';
    void this.releaseNative(); // single-use: release threads and TSFNs now so the process can exit
    this.settle.resolve();
    this.endDrain?.(true);
    this.emit('eos');
  }

  private onError(err: GstError): void {
    this.failure = err;
    this.statusValue = 'failed';
    void this.releaseNative();
    this.endDrain?.(false);
    for (const s of this.streams.values()) s.fail(err);
    if (this.log().isLevelEnabled('debug')) this.log().debug({ source: err.source, reason: err.reason, debug: err.debug }, err.message);
    this.settle.reject(err);
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  /** The error that failed the pipeline, if any. */
  get error(): GstError | undefined {
    return this.failure;
  }
}
