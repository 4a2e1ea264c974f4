import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { abortableSleep as sleep } from '../../ingest/abortable-sleep';
import type { Logger } from 'pino';
import { VideoAgentError, isVideoAgentError } from '../../errors';
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffOptions, type Session } from '../../ingest';
import type { PipelineTemplate } from '../../pipelines';
import { connectError } from './connect-error';
import { ParticipantStream } from './participant-stream';
import { ResultSender } from './result-sender';
import { FINAL_DISCONNECT_REASONS, TRACK_KIND, TRACK_SOURCE, type ParticipantLike, type PublicationLike, type RoomEventsLike, type RoomLike, type TrackLike, type TrackSourceName } from './room-like';
import { rtc } from './rtc';
import { participantStreamId } from './stream-id';
import { accessToken, credentialsFromEnv } from './token';
import { readTrack, type TrackMediaReader, type TrackReaderFactory } from './track-reader';

export interface ParticipantInfo {
  room: string;
  identity: string;
}

export interface LivekitSourceOptions {
  /** The server: ws://, wss://, http:// or https:// (http(s) is what LiveKit Cloud shows; the SDK maps it). */
  url: string;
  room: string;
  /** The agent's identity in the room (default `video-agent-<6 hex>`). */
  identity?: string;
  /** A token used as is; else one is signed from apiKey/apiSecret (default LIVEKIT_API_KEY/SECRET). */
  token?: string;
  apiKey?: string;
  apiSecret?: string;
  /** Only these participant identities (default: everyone). */
  participants?: readonly string[];
  /** Track sources to subscribe (default camera and microphone). */
  sources?: readonly TrackSourceName[];
  /** Send results back to the room as data messages on topic `video-agent` (the token's grant allows data). */
  publishResults?: boolean;
  pipeline?: string | PipelineTemplate;
  /** Template parameter overrides (fps, width, height, quality…). */
  params?: Record<string, unknown>;
  /** The first join fails after this (default 10 s). */
  connectTimeoutMs?: number;
  /** Rejoining after the room dropped: capped exponential backoff with jitter. */
  backoff?: Partial<BackoffOptions>;
  /** Give up after this many consecutive failed rejoins (default: never). */
  maxReconnectAttempts?: number;
  logger?: Logger;
  /** A participant's stream opened: consume `session` (run()/media()); it ends when the participant leaves. */
  onParticipantStream: (streamId: string, session: Session, who: ParticipantInfo) => void;
  onParticipantLeft?: (streamId: string, who: ParticipantInfo) => void;
  /** Stand-ins for tests: the Room and the track readers. */
  createRoom?: () => RoomLike;
  readTrack?: TrackReaderFactory;
}

export type LivekitSourceState = 'connected' | 'reconnecting' | 'stopped' | 'failed';

export interface LivekitSourceStats {
  state: LivekitSourceState;
  room: string;
  identity: string;
  reconnects: number;
  participants: { streamId: string; identity: string; tracks: number; videoFrames: number; audioFrames: number; scaledFrames: number }[];
  resultsSent: number;
  resultsDropped: number;
}

/** What AudioStream is asked for: the template's in_rate / in_channels (GStreamer makes 16 kHz mono of it). */
const AUDIO_FORMAT = { sampleRate: 48_000, channels: 1 };
export const DEFAULT_LIVEKIT_CONNECT_TIMEOUT_MS = 10_000;
export const RESULTS_TOPIC = 'video-agent';

interface Member {
  identity: string;
  stream: ParticipantStream;
  readers: Map<string, TrackMediaReader>;
}

/**
 * Joins a LiveKit room and turns each participant into a stream `<room>:<identity>`. Resolves once joined;
 * rejects with one VideoAgentError when the URL is unusable, the token refused, or the server unreachable.
 * See LivekitSource for what happens after.
 */
export async function startLivekitSource(opts: LivekitSourceOptions): Promise<LivekitSource> {
  const source = new LivekitSource(opts);
  await source.join();
  return source;
}

/**
 * A joined room. Tracks matching the filter are subscribed (autoSubscribe is off, so nothing else is
 * downloaded); a participant's stream starts with its first track and ends, alone, when it leaves. When the
 * room drops for good (the SDK's own reconnects failed) it is rejoined with capped backoff; streams of
 * participants still there after the rejoin go on (their tracks re-subscribe), the others end.
 *
 * Events: 'state' (LivekitSourceState), 'reconnecting' ({attempt, delayMs, reason}), 'warning' (message),
 * 'error' (VideoAgentError: gave up rejoining; the source is stopped).
 */
export class LivekitSource extends EventEmitter {
  readonly room: string;
  readonly identity: string;
  readonly where: string;
  private current: RoomLike | null = null;
  private detach: (() => void) | null = null;
  private readonly members = new Map<string, Member>();
  private stateValue: LivekitSourceState = 'reconnecting';
  private stopping = false;
  private reconnectsCount = 0;
  private readonly stopController = new AbortController();
  private readonly results: ResultSender;
  private readonly sources: ReadonlySet<number>;
  private readonly backoff: BackoffOptions;
  private log: Logger | undefined;
  private donePromise: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly opts: LivekitSourceOptions) {
    super();
    if (!/^(wss?|https?):\/\/[^/\s]+/i.test(opts.url)) {
      throw new VideoAgentError('E_LIVEKIT_URL', `not a LiveKit server URL: '${opts.url.replace(/\/\/[^@/]*@/, '//')}' (use wss://host[:port] or ws://host:port)`, { kind: 'bad_input' });
    }
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.room)) {
      throw new VideoAgentError('E_LIVEKIT_ROOM', `bad LiveKit room name '${opts.room}': use 1-64 letters, digits, '_', '-', '.'`, { kind: 'bad_input' });
    }
    this.room = opts.room;
    this.identity = opts.identity ?? `video-agent-${crypto.randomBytes(3).toString('hex')}`;
    this.where = `${opts.url.replace(/[?#].*$/, '').replace(/\/$/, '')}/${opts.room}`;
    this.sources = new Set((opts.sources ?? ['camera', 'microphone']).map((s) => TRACK_SOURCE[s]));
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.results = new ResultSender(RESULTS_TOPIC, (m) => this.emit('warning', m));
    this.log = opts.logger;
    this.donePromise = new Promise((r) => { this.resolveDone = r; });
  }

  get state(): LivekitSourceState {
    return this.stateValue;
  }

  /** Resolves once the source is stopped (stop(), a final disconnect, or giving up rejoining). */
  get done(): Promise<void> {
    return this.donePromise;
  }

  /** Stream ids of the participants streaming now. */
  streams(): string[] {
    return [...this.members.values()].map((m) => m.stream.streamId);
  }

  stats(): LivekitSourceStats {
    return {
      state: this.stateValue,
      room: this.room,
      identity: this.identity,
      reconnects: this.reconnectsCount,
      participants: [...this.members.values()].map((m) => ({
        streamId: m.stream.streamId, identity: m.identity, tracks: m.readers.size,
        videoFrames: m.stream.stats.videoFrames, audioFrames: m.stream.stats.audioFrames, scaledFrames: m.stream.stats.scaledFrames,
      })),
      resultsSent: this.results.sent,
      resultsDropped: this.results.dropped,
    };
  }

  /**
   * Sends a result to the room (opt-in: publishResults), JSON on topic `video-agent`:
   * `{streamId, identity, topic, result}`. Queued and sent one at a time; dropped when too big or too many.
   */
  publishResult(streamId: string, topic: string, result: unknown): void {
    if (!this.opts.publishResults || this.stopping) return;
    const identity = [...this.members.values()].find((m) => m.stream.streamId === streamId)?.identity;
    this.results.send({ streamId, identity, topic, result });
  }

  /** Leaves the room and stops every participant's session. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return this.donePromise;
    this.stopping = true;
    this.stopController.abort();
    await this.results.flush(1000);
    const room = this.current;
    this.detachRoom();
    await Promise.all([...this.members.keys()].map((id) => this.leave(id, { stop: true })));
    await room?.disconnect().catch(() => undefined);
    this.setState('stopped');
    this.resolveDone();
  }

  /** The first join: every failure is final and named. */
  async join(): Promise<void> {
    try {
      await this.connectOnce();
    } catch (err) {
      this.setState('failed');
      this.resolveDone();
      throw err;
    }
  }

  private get logger(): Logger {
    this.log ??= (require('../../obs/logger') as typeof import('../../obs/logger')).childLogger({ component: 'livekit' });
    return this.log.child({ room: this.room });
  }

  private setState(s: LivekitSourceState): void {
    if (this.stateValue === s) return;
    this.stateValue = s;
    this.emit('state', s);
  }

  private async connectOnce(): Promise<void> {
    const token = await accessToken({
      ...credentialsFromEnv(), room: this.room, identity: this.identity, canPublishData: this.opts.publishResults,
      ...(this.opts.token ? { token: this.opts.token } : {}),
      ...(this.opts.apiKey ? { apiKey: this.opts.apiKey } : {}),
      ...(this.opts.apiSecret ? { apiSecret: this.opts.apiSecret } : {}),
    });
    const room = this.opts.createRoom ? this.opts.createRoom() : (new (rtc().Room)() as unknown as RoomLike);
    const timeoutMs = this.opts.connectTimeoutMs ?? DEFAULT_LIVEKIT_CONNECT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const connecting = room.connect(this.opts.url, token, { autoSubscribe: false, dynacast: false });
    try {
      await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new VideoAgentError('E_LIVEKIT_UNREACHABLE', `cannot reach the LiveKit server ${this.where}: no answer within ${timeoutMs / 1000} s`, { kind: 'deadline' })), timeoutMs);
        }),
      ]);
    } catch (err) {
      // A join that completes after the deadline is left at once.
      void connecting.then(() => room.disconnect(), () => undefined);
      throw isVideoAgentError(err) ? err : connectError(err, this.where);
    } finally {
      clearTimeout(timer);
    }
    if (this.stopping) {
      await room.disconnect().catch(() => undefined);
      return;
    }
    this.attach(room);
    this.setState('connected');
    // Participants present now left while the room was away: their streams end; the others go on.
    for (const id of [...this.members.keys()]) if (!room.remoteParticipants.has(id)) void this.leave(id);
    for (const p of room.remoteParticipants.values()) this.subscribeAll(p);
  }

  private attach(room: RoomLike): void {
    this.current = room;
    this.results.target = room.localParticipant ?? null;
    const on: RoomEventsLike = {
      participantConnected: (p) => this.subscribeAll(p),
      participantDisconnected: (p) => void this.leave(p.identity),
      trackPublished: (pub, p) => this.maybeSubscribe(pub, p),
      trackUnpublished: (pub, p) => this.dropTrack(pub, p),
      trackSubscribed: (track, pub, p) => this.onTrack(track, pub, p),
      trackUnsubscribed: (_t, pub, p) => this.dropTrack(pub, p),
      reconnecting: () => this.logger.warn('LiveKit connection interrupted; the SDK is resuming it'),
      reconnected: () => this.logger.info('LiveKit connection resumed'),
      disconnected: (reason) => void this.onDisconnected(reason),
    };
    for (const [e, fn] of Object.entries(on)) room.on(e as keyof RoomEventsLike, fn);
    this.detach = () => { for (const [e, fn] of Object.entries(on)) room.off(e as keyof RoomEventsLike, fn); };
  }

  private detachRoom(): void {
    this.detach?.();
    this.detach = null;
    this.current = null;
    this.results.target = null;
  }

  private wanted(pub: PublicationLike, p: ParticipantLike): boolean {
    if (this.opts.participants && !this.opts.participants.includes(p.identity)) return false;
    return pub.source !== undefined && this.sources.has(pub.source) && (pub.kind === TRACK_KIND.video || pub.kind === TRACK_KIND.audio);
  }

  private subscribeAll(p: ParticipantLike): void {
    for (const pub of p.trackPublications.values()) this.maybeSubscribe(pub, p);
  }

  private maybeSubscribe(pub: PublicationLike, p: ParticipantLike): void {
    if (this.wanted(pub, p)) pub.setSubscribed(true);
  }

  private member(p: ParticipantLike): Member {
    let m = this.members.get(p.identity);
    if (m) return m;
    const streamId = participantStreamId(this.room, p.identity);
    const who: ParticipantInfo = { room: this.room, identity: p.identity };
    const stream = new ParticipantStream({
      streamId,
      display: `${this.where}/${p.identity}`,
      pipeline: this.opts.pipeline,
      params: this.opts.params,
      audioFormat: AUDIO_FORMAT,
      // Audio waits briefly for the first frame's size while a wanted camera is published.
      expectsVideo: () => [...p.trackPublications.values()].some((pub) => pub.kind === TRACK_KIND.video && this.wanted(pub, p)),
      logger: this.opts.logger,
    });
    stream.on('session', (session: Session) => this.opts.onParticipantStream(streamId, session, who));
    stream.on('warning', (msg: string) => this.emit('warning', msg));
    stream.on('error', (err: unknown) => this.emit('warning', `${streamId}: ${err instanceof Error ? err.message : String(err)}`));
    m = { identity: p.identity, stream, readers: new Map() };
    this.members.set(p.identity, m);
    return m;
  }

  private onTrack(track: TrackLike, pub: PublicationLike, p: ParticipantLike): void {
    if (this.stopping || !this.wanted(pub, p)) return;
    const m = this.member(p);
    const key = pub.sid ?? track.sid ?? `${pub.kind}:${pub.source}`;
    void m.readers.get(key)?.close();
    const reader = (this.opts.readTrack ?? readTrack)(track, AUDIO_FORMAT);
    m.readers.set(key, reader);
    const kind = track.kind === TRACK_KIND.video ? 'video' : 'audio';
    m.stream.trackRestarted(kind);
    void (async () => {
      try {
        for await (const item of reader) {
          if (item.kind === 'video') m.stream.pushVideo(item.frame, item.timestampUs);
          else m.stream.pushAudio(item.frame);
        }
      } catch (err) {
        this.emit('warning', `${m.stream.streamId}: ${kind} track ended: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        if (m.readers.get(key) === reader) m.readers.delete(key);
      }
    })();
  }

  private dropTrack(pub: PublicationLike, p: ParticipantLike): void {
    const m = this.members.get(p.identity);
    if (!m) return;
    for (const [key, reader] of m.readers) {
      if (key === pub.sid || key === `${pub.kind}:${pub.source}`) {
        m.readers.delete(key);
        void reader.close();
      }
    }
  }

  private async leave(identity: string, o: { stop?: boolean } = {}): Promise<void> {
    const m = this.members.get(identity);
    if (!m) return;
    this.members.delete(identity);
    await Promise.all([...m.readers.values()].map((r) => r.close()));
    m.readers.clear();
    if (o.stop) await m.stream.stop();
    else m.stream.end();
    this.opts.onParticipantLeft?.(m.stream.streamId, { room: this.room, identity });
  }

  private async onDisconnected(reason: number): Promise<void> {
    this.detachRoom();
    if (this.stopping) return;
    // Readers of the old room's tracks are dead; the participants' streams wait for the rejoin.
    for (const m of this.members.values()) {
      for (const r of m.readers.values()) void r.close();
      m.readers.clear();
    }
    if (FINAL_DISCONNECT_REASONS.has(reason)) {
      const name = (rtc().DisconnectReason as unknown as Record<number, string>)[reason] ?? String(reason);
      this.emit('warning', `left LiveKit room ${this.where}: ${name}`);
      await this.stop();
      return;
    }
    this.setState('reconnecting');
    const max = this.opts.maxReconnectAttempts ?? Infinity;
    for (let attempt = 0; !this.stopping; attempt++) {
      const delayMs = backoffDelayMs(attempt, this.backoff);
      this.emit('reconnecting', { attempt: attempt + 1, delayMs, reason: `disconnected (${reason})` });
      this.logger.warn({ attempt: attempt + 1, delayMs, reason }, 'LiveKit room dropped; rejoining');
      await sleep(delayMs, this.stopController.signal);
      if (this.stopping) return;
      try {
        await this.connectOnce();
        this.reconnectsCount++;
        return;
      } catch (err) {
        const e = isVideoAgentError(err) ? err : connectError(err, this.where);
        const permanent = e.kind === 'unauthorized' || e.kind === 'bad_input' || e.kind === 'config';
        if (permanent || attempt + 1 >= max) {
          const final = permanent ? e : new VideoAgentError('E_LIVEKIT_RECONNECT_FAILED', `gave up rejoining LiveKit room ${this.where} after ${attempt + 1} attempts: ${e.message}`, { kind: e.kind, cause: e });
          await this.stop();
          this.setState('failed');
          this.emit('error', final);
          return;
        }
      }
    }
  }
}

