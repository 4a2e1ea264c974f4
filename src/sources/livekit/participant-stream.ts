import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { Session } from '../../ingest';
import { sessionPipelineOptions } from '../../ingest/session';
import type { SourceInfo } from '../../ingest';
import { parseLaunch, renderLaunch, resolvePipeline, type PipelineTemplate } from '../../pipelines';
import { packedI420Size, scaleI420Nearest, toGstI420 } from './i420';
import { PtsClock } from './pts-clock';

/** A decoded video frame as VideoStream delivers it (packed I420 after conversion). */
export interface I420Frame {
  width: number;
  height: number;
  data: Uint8Array;
}

/** PCM as AudioStream delivers it: interleaved S16. */
export interface PcmFrame {
  data: Int16Array;
  sampleRate: number;
  channels: number;
  samplesPerChannel: number;
}

export interface ParticipantStreamOptions {
  streamId: string;
  /** Shown in logs and errors: `livekit://host/room/identity`. */
  display: string;
  /** Template name or path (default `livekit`) and parameter overrides (fps, width, height, quality…). */
  pipeline?: string | PipelineTemplate;
  params?: Record<string, unknown>;
  /** The format the AudioStreams are asked for (the template's in_rate / in_channels). */
  audioFormat: { sampleRate: number; channels: number };
  /** Whether a camera track is on its way: audio then waits up to videoWaitMs for the first frame's size. */
  expectsVideo: () => boolean;
  videoWaitMs?: number;
  startTimeMs?: number;
  logger?: Logger;
  /** Injectable for tests. */
  clock?: PtsClock;
}

interface Pending {
  src: 'video' | 'audio';
  data: Buffer;
  ptsUs: number;
  durationUs?: number;
}

/** Media kept while the pipeline starts: about 1 s of video at 30 fps, 2 s of 10 ms audio frames. */
const MAX_PENDING = { video: 30, audio: 200 };

/**
 * One participant's stream: its Session over `pipelines/livekit.yaml`, opened on the first media (the
 * first frame's size becomes the appsrc caps), fed by every track the participant has subscribed, ended
 * (EOS, the session ends normally) when the participant leaves. Media that arrives while the pipeline
 * starts is kept in order and pushed once it runs.
 *
 * Events: 'session' (Session: opened, not yet consumed), 'error' (opening failed), 'warning' (message).
 */
export class ParticipantStream extends EventEmitter {
  readonly streamId: string;
  private session: Session | null = null;
  private opening: Promise<void> | null = null;
  private running = false;
  private ended = false;
  private size: { width: number; height: number } | null = null;
  private readonly pending: Pending[] = [];
  private readonly counts = { video: 0, audio: 0 };
  private readonly clock: PtsClock;
  private waitTimer: NodeJS.Timeout | null = null;
  private scaledWarned = false;
  /** Frames pushed, scaled from another size, and dropped before the pipeline ran. */
  readonly stats = { videoFrames: 0, audioFrames: 0, scaledFrames: 0, droppedPending: 0, droppedNotRunning: 0 };

  constructor(private readonly opts: ParticipantStreamOptions) {
    super();
    this.streamId = opts.streamId;
    this.clock = opts.clock ?? new PtsClock();
  }

  get current(): Session | null {
    return this.session;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** A track was re-subscribed: its timestamps restart from a new base. */
  trackRestarted(kind: 'video' | 'audio'): void {
    if (kind === 'video') this.clock.resetVideoSource();
  }

  pushVideo(frame: I420Frame, timestampUs: number | bigint): void {
    if (this.ended) return;
    const ptsUs = this.clock.video(timestampUs);
    if (!this.size) {
      this.size = { width: frame.width, height: frame.height };
      this.open();
    }
    let data = frame.data;
    const { width, height } = this.size;
    if (frame.width !== width || frame.height !== height) {
      data = scaleI420Nearest(frame.data.subarray(0, packedI420Size(frame.width, frame.height)), frame.width, frame.height, width, height);
      this.stats.scaledFrames++;
      if (!this.scaledWarned) {
        this.scaledWarned = true;
        this.emit('warning', `${this.opts.display}: video changed from ${width}x${height} to ${frame.width}x${frame.height}; frames are scaled to the first size`);
      }
    }
    this.stats.videoFrames++;
    this.enqueue({ src: 'video', data: toGstI420(data, width, height), ptsUs });
  }

  pushAudio(frame: PcmFrame): void {
    if (this.ended) return;
    const { sampleRate, channels } = this.opts.audioFormat;
    if (frame.sampleRate !== sampleRate || frame.channels !== channels) {
      // AudioStream was asked for this format: anything else is a bug upstream, not data to guess at.
      this.emit('warning', `${this.opts.display}: audio frame ${frame.sampleRate} Hz x${frame.channels} dropped (expected ${sampleRate} Hz x${channels})`);
      return;
    }
    const { ptsUs, durationUs } = this.clock.audio(frame.samplesPerChannel, frame.sampleRate);
    const bytes = frame.samplesPerChannel * frame.channels * 2;
    const data = Buffer.from(frame.data.buffer, frame.data.byteOffset, bytes);
    this.stats.audioFrames++;
    if (!this.size && !this.opening) {
      if (!this.opts.expectsVideo()) this.open();
      else this.waitTimer ??= setTimeout(() => this.open(), this.opts.videoWaitMs ?? 2000);
    }
    this.enqueue({ src: 'audio', data, ptsUs, durationUs });
  }

  /** The participant left: end both appsrcs; the session ends once they flowed through. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    // Not running yet: onStarted() pushes what is pending, then ends; nothing opened: nothing to end.
    if (this.session && this.running) this.endStreams();
  }

  /** Stops at once (shutdown), without waiting for queued media. */
  async stop(): Promise<void> {
    this.ended = true;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.pending.length = 0;
    await this.opening?.catch(() => undefined);
    await this.session?.stop();
  }

  private enqueue(item: Pending): void {
    if (this.running && this.session) {
      if (!this.push(item)) this.stats.droppedNotRunning++;
      return;
    }
    // Copied: push() copies into GStreamer at once, but a kept frame's memory may be reused by its producer.
    this.pending.push({ ...item, data: Buffer.from(item.data) });
    if (this.countPending(item.src) > MAX_PENDING[item.src]) {
      const i = this.pending.findIndex((p) => p.src === item.src);
      this.pending.splice(i, 1);
      this.stats.droppedPending++;
    }
  }

  private countPending(src: Pending['src']): number {
    let n = 0;
    for (const p of this.pending) if (p.src === src) n++;
    return n;
  }

  private push(p: Pending): boolean {
    this.counts[p.src]++;
    return this.session!.push(p.src, p.data, p.ptsUs * 1000, p.durationUs !== undefined ? p.durationUs * 1000 : undefined);
  }

  private open(): void {
    if (this.opening || this.ended) return;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    const size = this.size;
    this.opening = (async () => {
      const { sampleRate, channels } = this.opts.audioFormat;
      const source: SourceInfo = { kind: 'appsrc', input: this.streamId, uri: this.opts.display, display: this.opts.display };
      // Audio before any video frame: the template's default size (later frames are scaled to it).
      const params: Record<string, unknown> = { ...this.opts.params, in_rate: sampleRate, in_channels: channels };
      if (size) Object.assign(params, { in_width: size.width, in_height: size.height });
      const { template, params: resolved } = resolvePipeline({ pipeline: this.opts.pipeline ?? 'livekit', params });
      if (!size) this.size = { width: Number(resolved.in_width), height: Number(resolved.in_height) };
      const pipeline = renderLaunch(template, { params: resolved, source: { uri: source.uri }, withAudio: true });
      const parsed = parseLaunch(pipeline, sessionPipelineOptions(this.streamId, source));
      const probe = { durationNs: 0, live: true, hasVideo: true, hasAudio: true, video: null, audio: null };
      const session = new Session({ streamId: this.streamId, source, probe, pipeline, parsed, startTimeMs: this.opts.startTimeMs, logger: this.opts.logger });
      this.session = session;
      session.once('started', () => this.onStarted());
      this.emit('session', session);
    })().catch((err: unknown) => {
      this.ended = true;
      this.pending.length = 0;
      this.emit('error', err);
    });
  }

  private onStarted(): void {
    this.running = true;
    for (const p of this.pending.splice(0)) if (!this.push(p)) this.stats.droppedNotRunning++;
    if (this.ended) this.endStreams();
  }

  private endStreams(): void {
    this.session!.endOfStream('video');
    this.session!.endOfStream('audio');
  }
}
