/**
 * All streams of one server: add / remove / restart at runtime, each a SupervisedStream isolated from the
 * others. State transitions go to the live feed (WebSocket), to Redis (`state:<id>`, for other replicas)
 * and to the metrics. Removing a stream stops it and forgets it here; its rows stay in the database.
 */
import { VideoAgentError } from '../../errors';
import { childLogger } from '../../obs/logger';
import type { Runtime } from '../../analyze/runtime';
import { streamKey, type Bus } from '../../bus';
import type { MessageTap } from '../../graph/stream-graph';
import { RESULT_MAXLEN } from '../../graph/stream-graph';
import { CODECS, type StateMsg } from '../../topics';
import type { StreamDefaults, StreamSpec } from '../config/server-config';
import type { SourcePolicy } from '../sources/confine-source';
import { planStream } from './plan-stream';
import { SupervisedStream, type RestartPolicy, type StreamView } from './supervised-stream';

const log = childLogger({ component: 'supervisor' });

export interface SupervisorOptions {
  runtime: Runtime;
  bus?: Bus;
  defaults: StreamDefaults;
  policy: SourcePolicy;
  restart: RestartPolicy;
  maxStreams: number;
  /** Every frame, result and state message of every stream (live feed, snapshot). */
  tap: MessageTap;
}

export class Supervisor {
  private readonly streams = new Map<string, SupervisedStream>();
  private closing = false;

  constructor(private readonly o: SupervisorOptions) {}

  /** Validates and starts a stream; a duplicate id is a conflict, a bad spec a bad_input error. */
  add(spec: StreamSpec, origin: 'config' | 'api'): StreamView {
    if (this.closing) throw new VideoAgentError('E_SHUTTING_DOWN', 'the server is shutting down', { kind: 'aborted' });
    const plan = planStream(spec, this.o.defaults, this.o.policy, origin);
    if (this.streams.has(plan.id)) throw new VideoAgentError('E_STREAM_EXISTS', `stream '${plan.id}' already exists`, { kind: 'conflict' });
    if (this.streams.size >= this.o.maxStreams) throw new VideoAgentError('E_TOO_MANY_STREAMS', `this server runs at most ${this.o.maxStreams} streams (server.maxStreams)`, { kind: 'conflict' });
    const s = new SupervisedStream(plan, { runtime: this.o.runtime, bus: this.o.bus, tap: this.o.tap, restart: this.o.restart });
    s.on('state', (m: StateMsg) => this.onState(m));
    this.streams.set(plan.id, s);
    s.start();
    log.info({ streamId: plan.id, source: plan.display, stages: plan.stages, origin }, 'stream added');
    return s.view();
  }

  get(id: string): SupervisedStream {
    const s = this.streams.get(id);
    if (!s) throw new VideoAgentError('E_UNKNOWN_STREAM', `no stream '${id}' on this server`, { kind: 'not_found' });
    return s;
  }

  has(id: string): boolean {
    return this.streams.has(id);
  }

  list(): StreamView[] {
    return [...this.streams.values()].map((s) => s.view());
  }

  get size(): number {
    return this.streams.size;
  }

  /** Stops (draining its stages: every frame ingested has its rows) and forgets the stream. */
  async remove(id: string): Promise<StreamView> {
    const s = this.get(id);
    await s.stop();
    this.streams.delete(id);
    log.info({ streamId: id }, 'stream removed');
    return s.view();
  }

  async restart(id: string): Promise<StreamView> {
    const s = this.get(id);
    await s.restart();
    return s.view();
  }

  /** Shutdown: no more adds; every stream stops and drains, side by side. */
  async stopAll(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.streams.values()].map((s) => s.stop()));
  }

  private onState(m: StateMsg): void {
    this.o.tap('state', m);
    const bus = this.o.bus;
    if (bus) {
      bus.publish(streamKey('state', m.streamId), CODECS.state.encode(m), { maxLen: Math.min(RESULT_MAXLEN, 1000) })
        .catch((err) => log.warn({ streamId: m.streamId, err: (err as Error).message }, 'state not published to Redis'));
    }
    log.info({ streamId: m.streamId, state: m.state, previous: m.previous, reason: m.reason }, 'stream state');
  }
}
