import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { abortableSleep as sleep } from './abortable-sleep';
import type { ErrorSubject, Pipeline, PipelineOptions, Sample } from '../gst';
import { VideoAgentError, isVideoAgentError } from '../errors';
import { AUDIO_SINK, FRAMES_SINK, parseLaunch, type RenderedPipeline } from '../pipelines';
import { AUDIO_SAMPLE_RATE, type AudioChunk, type Frame } from '../types';
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffOptions } from './backoff';
import { checkAudioCaps, checkFrameCaps, frameSize } from './caps';
import { MediaClock } from './media-clock';
import { mergeIterators } from './merge-sinks';
import type { SourceProbe } from './probe';
import type { SourceInfo } from './source';

export type SessionState = 'idle' | 'connecting' | 'running' | 'reconnecting' | 'stopping' | 'stopped' | 'ended' | 'failed';

export type MediaItem = { kind: 'frame'; frame: Frame } | { kind: 'audio'; chunk: AudioChunk };

export interface SessionStats {
  streamId: string;
  source: string;
  state: SessionState;
  frames: number;
  audioSeconds: number;
  /** Samples the live appsinks dropped because the consumer was slow (always 0 for files). */
  dropped: number;
  /** Buffers the live pipeline's leaky queues discarded upstream (decoding or scaling fell behind). */
  queueDropped: number;
  reconnects: number;
  /** Media time reached, µs. */
  positionUs: number;
  /** Source duration from discovery, µs (0 for live sources). */
  durationUs: number;
  /** Wall-clock lag of the latest frame behind now, ms (meaningful for live sources). */
  lagMs: number;
  startedAt: number | null;
  /** When the first frame was delivered to the consumer, epoch ms. */
  firstFrameAt: number | null;
  endedAt: number | null;
  error?: string;
}

export interface SessionHandlers {
  /** Awaited: a slow handler is backpressure on files and drops on live sources. */
  onFrame?: (frame: Frame) => void | Promise<void>;
  onAudio?: (chunk: AudioChunk) => void | Promise<void>;
}

export interface SessionConfig {
  streamId: string;
  source: SourceInfo;
  probe: SourceProbe;
  pipeline: RenderedPipeline;
  /**
   * `pipeline` already parsed (not started) with sessionPipelineOptions(): the first connection runs
   * it, so a session parses its launch line once. Later connections (reconnects) parse anew.
   */
  parsed?: Pipeline;
  /** Live sources: the first connection must produce a sample within this (default 10 s). */
  connectTimeoutMs?: number;
  /** Live sources: no sample for this long counts as a dropped connection (default 5 s). */
  stallTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Live sources: give up after this many consecutive failed reconnects (default: never). */
  maxReconnectAttempts?: number;
  /** Wall clock of pts 0, epoch ms (default: when the session starts). */
  startTimeMs?: number;
  /**
   * Recording on (the pipeline has a record branch): a graceful stop sends EOS first and waits up to
   * min(STOP_EOS_WAIT_MS, this) for it, so splitmuxsink finalises the segment being written; a reconnect
   * out of a stall waits min(RECONNECT_EOS_WAIT_MS, this). Default STOP_EOS_WAIT_MS; 0: no EOS. Ignored
   * without recording (those pipelines go straight to NULL).
   */
  eosTimeoutMs?: number;
  logger?: Logger;
}

/** Recording on: the longest a graceful stop waits for EOS to finalise the last segment. */
export const STOP_EOS_WAIT_MS = 3_000;
/** Recording on: the longest a reconnect waits for it (the old connection may be dead: a short wait). */
export const RECONNECT_EOS_WAIT_MS = 500;

/** What a session's GStreamer errors name: the file path or the (redacted) URL. */
function subjectOf(source: SourceInfo): ErrorSubject {
  return source.kind === 'file' ? { kind: 'file', name: source.path } : { kind: 'stream', name: source.display };
}

/** The Pipeline options of a session's pipelines (label for logs, subject for errors). */
export function sessionPipelineOptions(streamId: string, source: SourceInfo): PipelineOptions {
  return { label: streamId, subject: subjectOf(source) };
}

/** Errors no reconnect can fix: a bad launch line or template, refused credentials, a missing plugin. */
function isPermanent(err: VideoAgentError): boolean {
  return err.code === 'E_BAD_PIPELINE' || err.kind === 'bad_input' || err.kind === 'config' || err.kind === 'unauthorized';
}

class StopSignal extends Error {
  constructor() {
    super('session stopped');
  }
}

/**
 * One stream: runs its pipeline, maps timestamps to media time and wall clock, and (live sources)
 * reconnects with capped exponential backoff + jitter. Media is consumed through ONE of `media()`,
 * `run(handlers)`, or the `frame`/`audio` events emitted by `run()`; consumption is pull-based, so a
 * file waits for its consumer while a live source drops.
 *
 * Events: 'state' (SessionState), 'started' (a pipeline is playing: appsrc pushes are accepted),
 * 'connected' (reconnect count; first sample of a connection), 'reconnecting' ({attempt, delayMs, reason}),
 * 'warning' (message).
 */
export class Session extends EventEmitter {
  readonly streamId: string;
  readonly source: SourceInfo;
  readonly probe: SourceProbe;
  readonly pipeline: RenderedPipeline;
  readonly live: boolean;
  /** RTSP: a drop or stall triggers a reconnect. Files end; appsrc sessions end when the pusher ends them. */
  readonly reconnects: boolean;

  private stateValue: SessionState = 'idle';
  private framesCount = 0;
  private audioSamples = 0;
  private droppedPast = 0;
  private queueDroppedPast = 0;
  private reconnectsCount = 0;
  private lastFrameTs = 0;
  private startedAt: number | null = null;
  private firstFrameAt: number | null = null;
  private endedAt: number | null = null;
  private parsed: Pipeline | undefined;
  private lastCaps = '';
  private lastSize = { width: 0, height: 0 };
  private errorMessage: string | undefined;
  private consumed = false;
  private current: { pipe: Pipeline; sinks: { dropped: number }[] } | null = null;
  private readonly stopController = new AbortController();
  private clock: MediaClock | null = null;
  private logger: Logger | undefined;
  private readonly opts: Required<Pick<SessionConfig, 'connectTimeoutMs' | 'stallTimeoutMs' | 'maxReconnectAttempts' | 'eosTimeoutMs'>> & { backoff: BackoffOptions };
  private finished: Promise<void> | null = null;
  /** Native teardowns still in flight (Pipeline.stop() resolves once GStreamer reached NULL). */
  private readonly releasing = new Set<Promise<void>>();

  constructor(private readonly config: SessionConfig) {
    super();
    this.streamId = config.streamId;
    this.source = config.source;
    this.probe = config.probe;
    this.pipeline = config.pipeline;
    this.live = config.pipeline.kind === 'live';
    this.reconnects = this.live && config.source.kind === 'rtsp';
    this.opts = {
      connectTimeoutMs: config.connectTimeoutMs ?? 10_000,
      stallTimeoutMs: config.stallTimeoutMs ?? 5_000,
      maxReconnectAttempts: config.maxReconnectAttempts ?? Infinity,
      eosTimeoutMs: Math.max(0, config.eosTimeoutMs ?? STOP_EOS_WAIT_MS),
      backoff: { ...DEFAULT_BACKOFF, ...config.backoff },
    };
    this.parsed = config.parsed;
  }

  /** pino loads on the first log line (a reconnect, a warning), not at start-up. */
  private get log(): Logger {
    this.logger ??= (this.config.logger ?? (require('../obs/logger') as typeof import('../obs/logger')).childLogger({ component: 'ingest' })).child({ streamId: this.streamId });
    return this.logger;
  }

  get state(): SessionState {
    return this.stateValue;
  }

  stats(): SessionStats {
    const live = this.current?.sinks.reduce((n, s) => n + s.dropped, 0) ?? 0;
    const liveQueue = this.current ? sumValues(this.current.pipe.queueDrops()) : 0;
    return {
      streamId: this.streamId,
      source: this.source.display,
      state: this.stateValue,
      frames: this.framesCount,
      audioSeconds: this.audioSamples / AUDIO_SAMPLE_RATE,
      dropped: this.droppedPast + live,
      queueDropped: this.queueDroppedPast + liveQueue,
      reconnects: this.reconnectsCount,
      positionUs: this.clock?.positionUs ?? 0,
      durationUs: Math.round(this.probe.durationNs / 1000),
      lagMs: this.lastFrameTs ? Math.max(0, Date.now() - this.lastFrameTs) : 0,
      startedAt: this.startedAt,
      firstFrameAt: this.firstFrameAt,
      endedAt: this.endedAt,
      ...(this.errorMessage ? { error: this.errorMessage } : {}),
    };
  }

  /**
   * Runs the session, awaiting each handler (and emitting 'frame' / 'audio'). Resolves with the final
   * stats at the end of a file or after stop(); rejects with a VideoAgentError on a fatal error.
   */
  async run(handlers: SessionHandlers = {}): Promise<SessionStats> {
    try {
      for await (const item of this.media()) {
        if (item.kind === 'frame') {
          this.emit('frame', item.frame);
          await handlers.onFrame?.(item.frame);
        } else {
          this.emit('audio', item.chunk);
          await handlers.onAudio?.(item.chunk);
        }
      }
    } catch (err) {
      // A consumer error ends this session (the pipeline is already released) and nothing else.
      if (this.stateValue !== 'failed') throw this.fatal(err);
      throw err;
    }
    return this.stats();
  }

  /** Frames only; audio is pulled and discarded so the pipeline never blocks on an unread sink. */
  async *frames(): AsyncGenerator<Frame> {
    for await (const item of this.media()) if (item.kind === 'frame') yield item.frame;
  }

  /**
   * appsrc pipelines: pushes one buffer into appsrc `src` (`video` or `audio`) of the running pipeline.
   * Returns false when nothing is running yet (before the 'started' event) or any more.
   */
  push(src: string, data: Buffer, ptsNs?: number, durationNs?: number): boolean {
    const pipe = this.current?.pipe;
    return pipe ? pipe.push(src, data, ptsNs, durationNs) : false;
  }

  /** appsrc pipelines: no more data on `src`; the session ends once every appsrc has ended. */
  endOfStream(src: string): void {
    this.current?.pipe.endOfStream(src);
  }

  /**
   * Stops the pipeline; the consumer's iteration ends normally. Idempotent. Resolves once the
   * consumer's loop has ended (a consumer stuck inside its own handler delays it). Recording on: the
   * pipeline gets EOS first and up to min(3 s, eosTimeoutMs) to finalise the segment being written
   * before it goes to NULL (frames stop at once all the same); other pipelines go to NULL at once.
   */
  async stop(): Promise<void> {
    if (!this.stopController.signal.aborted) {
      if (this.stateValue === 'idle') this.setState('stopped');
      else if (!this.isFinal()) this.setState('stopping');
      this.stopController.abort(new StopSignal());
      if (this.current) this.track(this.endPipeline(this.current.pipe));
      this.releaseParsed();
    }
    // Wait for the pipeline to be released, unless iteration never began (nothing to release).
    if (this.startedAt !== null) await this.finished;
    while (this.releasing.size > 0) await Promise.all(this.releasing);
  }

  /** A reconnect does not wait for the old pipeline's teardown (a dead link may hold it); stop() does. */
  private track(released: Promise<void>): void {
    this.releasing.add(released);
    void released.then(() => this.releasing.delete(released));
  }

  /**
   * How long ending `pipe` waits for EOS: only with recording on and a pipeline still playing (a failed
   * one is released already, one at EOS has finalised its files); a stop waits longer than a reconnect.
   */
  private eosWaitMs(pipe: Pipeline): number {
    if (!this.pipeline.record || pipe.status !== 'playing') return 0;
    return Math.min(this.stopController.signal.aborted ? STOP_EOS_WAIT_MS : RECONNECT_EOS_WAIT_MS, this.opts.eosTimeoutMs);
  }

  /**
   * stop(): with recording on, EOS first (bounded: splitmuxsink finalises the segment being written),
   * then NULL; otherwise NULL at once, as ever. Resolves once released.
   */
  private async endPipeline(pipe: Pipeline): Promise<void> {
    const waitMs = this.eosWaitMs(pipe);
    if (waitMs > 0 && !(await pipe.drain(waitMs))) this.log.warn({ waitMs }, 'recording: no EOS in time at stop; the last segment may be lost');
    await pipe.stop();
  }

  /** The pre-parsed first pipeline, if it was never run (stop before run, or the consumer never came). */
  private releaseParsed(): void {
    if (this.parsed) this.track(this.parsed.stop());
    this.parsed = undefined;
  }

  private isFinal(): boolean {
    return this.stateValue === 'stopped' || this.stateValue === 'ended' || this.stateValue === 'failed';
  }

  private setState(s: SessionState): void {
    if (this.stateValue === s) return;
    this.stateValue = s;
    this.emit('state', s);
  }

  /** Frames and audio chunks in arrival order across reconnects. Single use. */
  media(): AsyncGenerator<MediaItem> {
    if (this.consumed) throw new VideoAgentError('E_SESSION_USED', `session ${this.streamId} is already being consumed`);
    this.consumed = true;
    let settle!: () => void;
    this.finished = new Promise((r) => { settle = r; });
    const gen = this.produce();
    const finishedOnce = async function* (this: Session): AsyncGenerator<MediaItem> {
      try {
        yield* gen;
      } finally {
        settle();
      }
    }.call(this);
    return finishedOnce;
  }

  private async *produce(): AsyncGenerator<MediaItem> {
    this.startedAt = Date.now();
    this.clock = new MediaClock(this.live, this.config.startTimeMs ?? this.startedAt);
    let attempt = 0;
    let everConnected = false;
    const firstDeadline = Date.now() + this.opts.connectTimeoutMs;
    try {
      for (;;) {
        if (this.stopController.signal.aborted) break;
        this.setState(everConnected ? 'reconnecting' : 'connecting');
        let connected = false;
        try {
          for await (const item of this.connection(() => {
            connected = true;
            if (everConnected) this.reconnectsCount++;
            everConnected = true;
            attempt = 0;
            this.setState('running');
            this.emit('connected', this.reconnectsCount);
          })) {
            yield item;
          }
          if (this.stopController.signal.aborted) break;
          if (!this.reconnects) {
            this.setState('ended');
            return;
          }
          // A live source reaching EOS means the server ended the stream: treat it as a drop.
          throw new VideoAgentError('E_STREAM_ENDED', `${this.source.display} ended the stream`, { kind: 'remote_failure' });
        } catch (err) {
          if (this.stopController.signal.aborted) break;
          if (!this.reconnects || !isVideoAgentError(err) || isPermanent(err)) throw this.fatal(err);
          if (!everConnected && Date.now() >= firstDeadline) {
            throw this.fatal(new VideoAgentError('E_CONNECT_TIMEOUT', `could not connect to RTSP host ${hostOf(this.source)} within ${this.opts.connectTimeoutMs / 1000} s: ${err.message}`, { cause: err, kind: 'deadline' }));
          }
          if (!connected && attempt >= this.opts.maxReconnectAttempts) {
            throw this.fatal(new VideoAgentError('E_RECONNECT_FAILED', `gave up reconnecting to ${this.source.display} after ${attempt} attempts: ${err.message}`, { cause: err }));
          }
          const delayMs = backoffDelayMs(attempt++, this.opts.backoff);
          this.log.warn({ err: err.message, attempt, delayMs }, 'stream dropped; reconnecting');
          this.emit('reconnecting', { attempt, delayMs, reason: err.message });
          this.setState('reconnecting');
          await sleep(delayMs, this.stopController.signal);
        }
      }
      this.setState('stopped');
    } finally {
      this.releaseParsed();
      this.endedAt = Date.now();
      if (!this.isFinal()) this.setState('stopped');
    }
  }

  private fatal(err: unknown): VideoAgentError {
    // GStreamer errors already name the source (the pipeline's subject); anything else gets it here.
    const e = isVideoAgentError(err)
      ? err
      : new VideoAgentError('E_INGEST', `ingesting ${this.source.display} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    this.errorMessage = e.message;
    this.setState('failed');
    return e;
  }

  /** One pipeline run: yields mapped items until EOS; throws on a pipeline error or a stall. */
  private async *connection(onFirstSample: () => void): AsyncGenerator<MediaItem> {
    const pipe = this.parsed ?? parseLaunch(this.pipeline, sessionPipelineOptions(this.streamId, this.source));
    this.parsed = undefined;
    const abort = new AbortController();
    const onStop = () => abort.abort(new StopSignal());
    this.stopController.signal.addEventListener('abort', onStop);
    pipe.on('error', (err: Error) => abort.abort(isVideoAgentError(err) ? err : new VideoAgentError('E_GST', err.message, { cause: err })));
    pipe.on('warning', (w: { message?: string }) => this.emit('warning', w?.message ?? String(w)));
    const sinks = this.pipeline.sinks.map((name) => ({ name, stream: pipe.sink(name) }));
    this.current = { pipe, sinks: sinks.map((s) => s.stream) };
    const watchdog = this.reconnects ? new Watchdog(abort, this.source) : null;
    this.clock!.newConnection();
    let first = true;
    const checked = new Set<string>();
    try {
      watchdog?.arm(this.opts.connectTimeoutMs, 'no media within the connect timeout from');
      pipe.start();
      this.emit('started');
      for await (const { name, value } of mergeIterators(sinks.map((s) => ({ name: s.name, iterable: s.stream as AsyncIterable<Sample> })), abort.signal)) {
        if (first) {
          first = false;
          onFirstSample();
        }
        watchdog?.arm(this.opts.stallTimeoutMs, 'no media for a while from');
        if (!checked.has(name)) {
          checked.add(name);
          if (name === FRAMES_SINK) checkFrameCaps(this.pipeline, value.caps);
          if (name === AUDIO_SINK) checkAudioCaps(this.pipeline, value.caps);
        }
        yield this.toItem(name, value);
      }
    } catch (err) {
      if (err instanceof StopSignal) return;
      throw err;
    } finally {
      watchdog?.disarm();
      this.stopController.signal.removeEventListener('abort', onStop);
      this.droppedPast += sinks.reduce((n, s) => n + s.stream.dropped, 0);
      this.queueDroppedPast += sumValues(pipe.queueDrops());
      this.current = null;
      // Recording on: EOS first, so the segment being written is finalised before the recorder hears
      // of a reconnect or the session ends (the same wait stop() began, if it did). Bounded; the NULL
      // teardown itself is not waited for.
      const waitMs = this.eosWaitMs(pipe);
      if (waitMs > 0) await pipe.drain(waitMs);
      this.track(pipe.stop());
    }
  }

  private toItem(sink: string, sample: Sample): MediaItem {
    const clock = this.clock!;
    if (sink === FRAMES_SINK) {
      const { ptsUs, ts } = clock.map('frame', sample.ptsNs, sample.durationNs);
      if (sample.caps !== this.lastCaps) {
        this.lastCaps = sample.caps;
        this.lastSize = frameSize(sample.caps, this.pipeline.params);
      }
      const { width, height } = this.lastSize;
      if (this.firstFrameAt === null) this.firstFrameAt = Date.now();
      this.framesCount++;
      this.lastFrameTs = ts;
      return { kind: 'frame', frame: { streamId: this.streamId, ptsUs, ts, width, height, jpeg: sample.data } };
    }
    const { ptsUs, ts } = clock.map('audio', sample.ptsNs, sample.durationNs);
    this.audioSamples += sample.data.length / 2;
    return { kind: 'audio', chunk: { streamId: this.streamId, ptsUs, ts, pcm: sample.data } };
  }
}

/** Live sources: no sample within the armed time aborts the connection (a silent drop, e.g. UDP). */
class Watchdog {
  private timer: NodeJS.Timeout | null = null;
  private deadline = 0;
  private reason = '';
  constructor(private readonly abort: AbortController, private readonly source: SourceInfo) {}

  arm(ms: number, reason: string): void {
    this.deadline = Date.now() + ms;
    this.reason = reason;
    // Re-arming on every sample only moves the deadline (the timer re-checks it when it fires); a
    // deadline earlier than the pending timer reschedules it.
    if (!this.timer || this.deadline < this.fireAt) {
      this.disarm();
      this.schedule(ms);
    }
  }

  private fireAt = 0;

  private schedule(ms: number): void {
    this.fireAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      const left = this.deadline - Date.now();
      if (left > 0) return this.schedule(left);
      this.timer = null;
      this.abort.abort(new VideoAgentError('E_STREAM_STALLED', `${this.reason} ${this.source.display}`, { kind: 'deadline' }));
    }, ms);
    this.timer.unref();
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function sumValues(r: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(r)) n += v;
  return n;
}

function hostOf(source: SourceInfo): string {
  return source.kind === 'rtsp' ? source.host : source.display;
}

