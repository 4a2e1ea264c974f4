/**
 * A LiveKit room under supervision: joins it (src/sources/livekit), hands every participant's session to
 * the supervisor as a stream `<room>:<identity>`, and shows the room's own connection as a stream-like
 * entry (starting → running ⇄ reconnecting → failed | stopped). A first join that fails is retried with
 * capped backoff unless it cannot heal (a refused token, a bad URL); once joined, the source rejoins by
 * itself.
 */
import { EventEmitter } from 'node:events';
import { isVideoAgentError } from '../../errors';
import { childLogger } from '../../obs/logger';
import { backoffDelayMs, resolveSource, type Session } from '../../ingest';
import type { StateMsg, StreamState } from '../../topics';
import { cannotHeal, type RestartPolicy, type StreamPlan } from './supervised-stream';
import type { StreamView } from './stream-view';

type LivekitSource = Awaited<ReturnType<typeof import('../../sources/livekit').startLivekitSource>>;
/** Injected parts of the LiveKit source (tests: a stand-in Room and track readers; a fixed token). */
export type LivekitInjection = Partial<Pick<import('../../sources/livekit').LivekitSourceOptions, 'createRoom' | 'readTrack' | 'token'>>;

export class SupervisedRoom extends EventEmitter {
  private readonly log;
  private stateValue: StreamState = 'starting';
  private reason: string | null = null;
  private since = Date.now();
  private restarts = 0;
  private lk: LivekitSource | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private lastError: { code: string; message: string; at: number } | null = null;

  constructor(
    readonly plan: StreamPlan,
    private readonly restart: RestartPolicy,
    private readonly onParticipant: (streamId: string, session: Session) => void,
    /** Results of a participant's stream go back to the room (opt-in with `?publish=1`). */
    readonly publish: { current: ((streamId: string, topic: string, msg: unknown) => void) | null } = { current: null },
    private readonly inject: LivekitInjection = {},
  ) {
    super();
    this.log = childLogger({ component: 'supervisor/room', room: plan.id });
  }

  get state(): StreamState { return this.stateValue; }

  start(): void {
    this.emitState('starting', null);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.lk?.stop().catch(() => undefined);
    await this.loop;
    this.emitState('stopped', null);
  }

  private async run(): Promise<void> {
    const { startLivekitSource, livekitOptionsFromSource } = require('../../sources/livekit') as typeof import('../../sources/livekit');
    const source = resolveSource(this.plan.input);
    if (source.kind !== 'livekit') return;
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        const lk = await startLivekitSource({
          ...livekitOptionsFromSource(source),
          ...this.inject,
          params: { ...this.plan.params, fps: this.plan.fps },
          onParticipantStream: (streamId, session) => this.onParticipant(streamId, session),
        });
        this.lk = lk;
        this.publish.current = (id, topic, msg) => lk.publishResult(id, topic, msg);
        if (this.stopping) { await lk.stop(); return; }
        this.emitState('running', null);
        lk.on('reconnecting', (r: { reason?: string }) => this.emitState('reconnecting', r.reason ?? null));
        lk.on('warning', (m: string) => this.log.warn({ msg: m }, 'livekit'));
        lk.on('error', (e: Error) => this.log.error({ err: e.message }, 'livekit room failed'));
        lk.on('state', (st: string) => { if (st === 'connected') this.emitState('running', null); });
        await lk.done.catch((err: unknown) => { throw err; });
        if (this.stopping) return;
        throw Object.assign(new Error('the room connection ended'), { code: 'E_LIVEKIT_ENDED' });
      } catch (err) {
        if (this.stopping) return;
        const code = isVideoAgentError(err) ? err.code : 'E_INTERNAL';
        this.lastError = { code, message: (err as Error).message, at: Date.now() };
        this.emitState('failed', `${code}: ${(err as Error).message}`);
        if (cannotHeal(err)) return;
        const delay = backoffDelayMs(attempt, { initialDelayMs: this.restart.initialDelayMs, maxDelayMs: this.restart.maxDelayMs, jitter: 0.3 });
        this.log.warn({ err: (err as Error).message, delayMs: delay }, 'room join failed; retrying');
        await new Promise<void>((r) => { const t = setTimeout(r, delay); this.wake = () => { clearTimeout(t); r(); }; });
        this.restarts++;
      }
    }
  }

  view(participants: number): StreamView {
    return {
      id: this.plan.id, source: this.plan.display, pipeline: this.plan.pipeline ?? 'livekit', stages: this.plan.stages, fps: this.plan.fps,
      origin: this.plan.origin, state: this.stateValue, stateSince: new Date(this.since).toISOString(), reason: this.reason,
      restarts: this.restarts, lastError: this.lastError ? { ...this.lastError, at: new Date(this.lastError.at).toISOString() } : null,
      live: true, ingest: null, stageStats: { room: { participants } },
    };
  }

  private emitState(state: StreamState, reason: string | null): void {
    if (state === this.stateValue && reason === this.reason && state !== 'starting') return;
    const previous = this.stateValue;
    this.stateValue = state;
    this.reason = reason;
    this.since = Date.now();
    const msg: StateMsg = { streamId: this.plan.id, ptsUs: 0, ts: Date.now(), state, previous: previous === state ? null : previous, reason, restarts: this.restarts };
    this.emit('state', msg);
  }
}
