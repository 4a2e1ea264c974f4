/**
 * One supervised stream: runs `analyzeSource` (ingest + its stages, src/analyze/run-analysis.ts) and keeps
 * it running. States: starting → running ⇄ reconnecting (the session's own reconnects) → ended (a file,
 * analysed once) | failed (then restarted with capped backoff unless the failure cannot heal: a bad
 * source, config or credentials) | stopped (asked to). Every transition is emitted once, as a `state`
 * message. Nothing here throws into the caller: one stream's failure never touches the others.
 */
import { EventEmitter } from 'node:events';
import { isVideoAgentError, type ErrorKind } from '../../errors';
import { childLogger } from '../../obs/logger';
import { analyzeSource, type AnalyzeProgress, type AnalyzeSummary } from '../../analyze/run-analysis';
import type { Runtime } from '../../analyze/runtime';
import type { Bus } from '../../bus';
import type { MessageTap } from '../../graph/stream-graph';
import { backoffDelayMs, type Session, type SessionStats } from '../../ingest';
import type { StateMsg, StreamState } from '../../topics';
import type { RecordingConfig } from '../../recording/recording-config';
import type { ObjectStore } from '../../object-store';
import type { StreamView } from './stream-view';

export type { StreamView } from './stream-view';

/** What a stream runs, after defaults and source confinement. */
export interface StreamPlan {
  id: string;
  /** What to open (an absolute path or a URL, possibly with credentials: never shown). */
  input: string;
  /** The source as shown (credentials removed). */
  display: string;
  pipeline?: string;
  params: Record<string, string | number | boolean>;
  stages: string[];
  fps: number;
  /** Per-stage settings (checked against each stage's schema when planned). */
  stageOptions: Record<string, Record<string, unknown>>;
  /** Where the stream came from: the config file or the API. */
  origin: 'config' | 'api';
  /** A LiveKit room (src/server/supervisor/supervised-room.ts runs it; its participants become streams). */
  room?: boolean;
  /** A session opened elsewhere (a room participant's): analysed once, never reopened. */
  session?: Session;
  /** Recording (src/recording), the defaults and the stream's own keys merged. */
  recording?: RecordingConfig;
  /** Highlights cut into clips automatically (0: none). */
  clipTop?: number;
}

export interface RestartPolicy { initialDelayMs: number; maxDelayMs: number }

export interface SupervisedStreamDeps {
  runtime: Runtime;
  /** Shared bus (Redis): results mirrored, media for remote stages, `state` published. */
  bus?: Bus;
  tap: MessageTap;
  restart: RestartPolicy;
  /** Where recordings go (`<dataDir>/recordings/<id>/`); default `data`. */
  dataDir?: string;
  /** Where automatic highlight clips go; none: no automatic clips. */
  objectStore?: ObjectStore;
  /**
   * The stream is done for good (ended, stopped, or failed beyond healing), after its last state was emitted; awaited
   * by stop(), not called between a restart's stop and start. The supervisor writes the bus's end marker here.
   */
  onFinished?: () => Promise<void>;
}

/** Failures a restart cannot fix: the stream (or room) stays `failed` until restarted by hand. */
const PERMANENT: ReadonlySet<ErrorKind> = new Set(['bad_input', 'config', 'not_found', 'unauthorized']);

export function cannotHeal(err: unknown): boolean {
  return isVideoAgentError(err) && PERMANENT.has(err.kind);
}

export class SupervisedStream extends EventEmitter {
  private readonly log;
  private stateValue: StreamState = 'starting';
  private previous: StreamState | null = null;
  private reason: string | null = null;
  private restartsValue = 0;
  private abort: AbortController | null = null;
  private wake: (() => void) | null = null;
  private stopping = false;
  private restarting = false;
  private loop: Promise<void> | null = null;
  private session: Session | null = null;
  private progress: AnalyzeProgress | null = null;
  private lastSummary: AnalyzeSummary | null = null;
  /** The last run's session stats, kept once it ended (an ended file still shows what it ingested). */
  private lastIngest: SessionStats | null = null;
  private lastLive: boolean | null = null;
  readonly createdAt = Date.now();
  private stateSince = Date.now();
  private lastError: { code: string; message: string; at: number } | null = null;

  constructor(readonly plan: StreamPlan, private readonly deps: SupervisedStreamDeps) {
    super();
    this.log = childLogger({ component: 'supervisor', streamId: plan.id });
  }

  get state(): StreamState { return this.stateValue; }
  get restarts(): number { return this.restartsValue; }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.emitState('starting', null);
    this.loop = this.run().catch((err) => this.log.error({ err }, 'supervisor loop failed'));
  }

  /** Stops ingest, drains the stages and flushes (every frame ingested so far has its rows), then `stopped`. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  /** Stops (draining) and starts again; the restart counter is reset. */
  async restart(): Promise<void> {
    this.restarting = true;
    try {
      await this.stop();
    } finally {
      this.restarting = false;
    }
    this.restartsValue = 0;
    this.start();
  }

  /** A snapshot for the API and metrics. */
  view(): StreamView {
    const s: SessionStats | null = this.session?.stats() ?? this.lastIngest;
    return {
      id: this.plan.id, source: this.plan.display, pipeline: this.plan.pipeline ?? null, stages: this.plan.stages, fps: this.plan.fps,
      origin: this.plan.origin, state: this.stateValue, stateSince: new Date(this.stateSince).toISOString(), reason: this.reason,
      restarts: this.restartsValue, lastError: this.lastError ? { ...this.lastError, at: new Date(this.lastError.at).toISOString() } : null,
      live: this.session?.live ?? this.lastLive,
      ingest: s ? {
        frames: s.frames, audioSeconds: round(s.audioSeconds), dropped: s.dropped + s.queueDropped, reconnects: s.reconnects,
        positionS: round(s.positionUs / 1e6), durationS: s.durationUs > 0 ? round(s.durationUs / 1e6) : null, lagMs: Math.round(s.lagMs),
        fps: s.startedAt && s.frames > 0 ? round(s.frames / Math.max(0.001, ((s.endedAt ?? Date.now()) - (s.firstFrameAt ?? s.startedAt)) / 1000)) : 0,
      } : null,
      stageStats: (this.lastSummary?.stages ?? this.progress?.stages ?? {}) as Record<string, unknown>,
    };
  }

  private async run(): Promise<void> {
    try {
      await this.runLoop();
    } finally {
      if (!this.restarting) await this.deps.onFinished?.().catch((err) => this.log.warn({ err: (err as Error).message }, 'stream finish hook failed'));
    }
  }

  private async runLoop(): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      if (this.stateValue !== 'starting') this.emitState('starting', null);
      const ac = new AbortController();
      this.abort = ac;
      try {
        const summary = await analyzeSource(this.deps.runtime, {
          input: this.plan.input, streamId: this.plan.id, stages: new Set(this.plan.stages), fps: this.plan.fps,
          pipeline: this.plan.pipeline, params: this.plan.params, stageOptions: this.plan.stageOptions, session: this.plan.session, signal: ac.signal,
          recording: this.plan.recording?.enabled ? { ...this.plan.recording, dataDir: this.deps.dataDir ?? 'data' } : undefined, bus: this.deps.bus, tap: this.deps.tap,
          highlightClips: this.deps.objectStore && (this.plan.clipTop ?? 0) > 0 ? { store: this.deps.objectStore, top: this.plan.clipTop! } : undefined,
          onSession: (s) => this.watch(s),
          onProgress: (p) => { this.progress = p; },
        });
        this.lastSummary = summary;
        if (this.stopping) break;
        // A file was analysed to its end, or a room participant left (live sources end only when stopped or failed).
        this.emitState('ended', null);
        return;
      } catch (err) {
        if (this.stopping) break;
        const code = isVideoAgentError(err) ? err.code : 'E_INTERNAL';
        const message = (err as Error).message;
        this.lastError = { code, message, at: Date.now() };
        this.emitState('failed', `${code}: ${message}`);
        if (cannotHeal(err) || this.plan.session) {
          this.log.error({ err: message, code }, 'stream failed; not restarting (the failure cannot heal by itself)');
          return;
        }
        const delay = backoffDelayMs(attempt++, { initialDelayMs: this.deps.restart.initialDelayMs, maxDelayMs: this.deps.restart.maxDelayMs, jitter: 0.3 });
        this.log.warn({ err: message, code, delayMs: delay }, 'stream failed; restarting');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.wake = () => { clearTimeout(t); resolve(); };
        });
        this.wake = null;
        if (this.stopping) break;
        this.restartsValue++;
      } finally {
        if (this.session) { this.lastIngest = this.session.stats(); this.lastLive = this.session.live; }
        this.session = null;
        this.abort = null;
      }
    }
    this.emitState('stopped', null);
  }

  private watch(s: Session): void {
    this.session = s;
    const onState = (st: string) => {
      if (this.stopping) return;
      if (st === 'running') this.emitState('running', null);
      else if (st === 'reconnecting') this.emitState('reconnecting', this.reason);
    };
    s.on('reconnecting', (r: { reason?: string }) => { this.reason = r.reason ?? null; });
    s.on('state', onState);
    if (s.state === 'running') this.emitState('running', null);
  }

  private emitState(state: StreamState, reason: string | null): void {
    if (state === this.stateValue && this.previous !== null && reason === this.reason) return;
    this.previous = this.stateValue === state ? this.previous : this.stateValue;
    this.stateValue = state;
    this.reason = reason;
    this.stateSince = Date.now();
    const msg: StateMsg = {
      streamId: this.plan.id, ptsUs: Math.round((this.session?.stats().positionUs ?? 0)), ts: Date.now(), state,
      previous: this.previous === state ? null : this.previous, reason, restarts: this.restartsValue,
    };
    this.emit('state', msg);
  }
}


function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
