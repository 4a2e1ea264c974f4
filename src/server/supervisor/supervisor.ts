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
import { SupervisedStream, type RestartPolicy, type StreamPlan, type StreamView } from './supervised-stream';
import { SupervisedRoom, type LivekitInjection } from './supervised-room';
import type { Session } from '../../ingest';

import type { ObjectStore } from '../../object-store';
import { remoteStages } from '../../analyze/run-analysis';

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
  /** Stand-ins for the LiveKit source (tests). */
  livekit?: LivekitInjection;
  /** Where recordings go (server.dataDir). */
  dataDir?: string;
  /** Where automatic highlight clips go (the server's object store). */
  objectStore?: ObjectStore;
}

export class Supervisor {
  private readonly streams = new Map<string, SupervisedStream>();
  /** LiveKit rooms by id; their participants are streams `<room>:<identity>` in `streams`. */
  private readonly rooms = new Map<string, { room: SupervisedRoom; participants: Set<string> }>();
  private closing = false;
  /** Each stream's last `state` publish: its end marker is written after it, so the marker covers the final state. */
  private readonly statePublished = new Map<string, Promise<unknown>>();

  constructor(private readonly o: SupervisorOptions) {}

  /** Validates and starts a stream; a duplicate id is a conflict, a bad spec a bad_input error. */
  add(spec: StreamSpec, origin: 'config' | 'api'): StreamView {
    if (this.closing) throw new VideoAgentError('E_SHUTTING_DOWN', 'the server is shutting down', { kind: 'aborted' });
    const plan = planStream(spec, this.o.defaults, this.o.policy, origin);
    if (this.streams.has(plan.id) || this.rooms.has(plan.id)) throw new VideoAgentError('E_STREAM_EXISTS', `stream '${plan.id}' already exists`, { kind: 'conflict' });
    if (this.streams.size >= this.o.maxStreams) throw new VideoAgentError('E_TOO_MANY_STREAMS', `this server runs at most ${this.o.maxStreams} streams (server.maxStreams)`, { kind: 'conflict' });
    if (plan.room) return this.addRoom(plan);
    return this.startStream(plan);
  }

  private startStream(plan: StreamPlan, tap = this.o.tap): StreamView {
    const s = new SupervisedStream(plan, {
      runtime: this.o.runtime, bus: this.o.bus, tap, restart: this.o.restart, dataDir: this.o.dataDir, objectStore: this.o.objectStore,
      onFinished: () => this.endOnBus(plan),
    });
    s.on('state', (m: StateMsg) => this.onState(m));
    this.streams.set(plan.id, s);
    s.start();
    log.info({ streamId: plan.id, source: plan.display, stages: plan.stages, origin: plan.origin }, 'stream added');
    return s.view();
  }

  /** A LiveKit room: each participant's session becomes a stream (replacing an ended one of the same id). */
  private addRoom(plan: StreamPlan): StreamView {
    const entry = { room: null as unknown as SupervisedRoom, participants: new Set<string>() };
    const publish: { current: ((id: string, topic: string, msg: unknown) => void) | null } = { current: null };
    const onParticipant = (streamId: string, session: Session) => {
      const old = this.streams.get(streamId);
      if (old && old.state !== 'ended' && old.state !== 'failed' && old.state !== 'stopped') {
        log.warn({ streamId }, 'a participant stream is still running; the new session is not analysed');
        void session.stop();
        return;
      }
      if (this.closing || this.streams.size >= this.o.maxStreams && !old) { void session.stop(); return; }
      this.streams.delete(streamId);
      entry.participants.add(streamId);
      const tap: typeof this.o.tap = (topic, msg) => {
        this.o.tap(topic, msg);
        if (topic !== 'frames' && topic !== 'audio') publish.current?.(streamId, topic, msg);
      };
      this.startStream({ ...plan, id: streamId, room: false, session }, tap);
    };
    entry.room = new SupervisedRoom(plan, this.o.restart, onParticipant, publish, this.o.livekit);
    entry.room.on('state', (m: StateMsg) => this.onState(m));
    this.rooms.set(plan.id, entry);
    entry.room.start();
    log.info({ room: plan.id, source: plan.display, origin: plan.origin }, 'room added');
    return entry.room.view(0);
  }

  get(id: string): SupervisedStream {
    const s = this.streams.get(id);
    if (!s) throw new VideoAgentError('E_UNKNOWN_STREAM', `no stream '${id}' on this server`, { kind: 'not_found' });
    return s;
  }

  has(id: string): boolean {
    return this.streams.has(id) || this.rooms.has(id);
  }

  /** A stream's or a room's view. */
  view(id: string): StreamView {
    const r = this.rooms.get(id);
    return r ? r.room.view(r.participants.size) : this.get(id).view();
  }

  list(): StreamView[] {
    return [...[...this.rooms.values()].map((r) => r.room.view(r.participants.size)), ...[...this.streams.values()].map((s) => s.view())];
  }

  get size(): number {
    return this.streams.size;
  }

  /** Stops (draining its stages: every frame ingested has its rows) and forgets the stream. */
  async remove(id: string): Promise<StreamView> {
    const r = this.rooms.get(id);
    if (r) {
      // Leaving the room ends every participant's session; their streams drain and are forgotten too.
      await r.room.stop();
      await Promise.all([...r.participants].map((p) => (this.streams.has(p) ? this.remove(p) : undefined)));
      this.rooms.delete(id);
      return r.room.view(0);
    }
    const s = this.get(id);
    await s.stop();
    this.streams.delete(id);
    log.info({ streamId: id }, 'stream removed');
    return s.view();
  }

  async restart(id: string): Promise<StreamView> {
    if (this.rooms.has(id)) throw new VideoAgentError('E_ROOM_RESTART', `'${id}' is a LiveKit room: it rejoins by itself; remove and add it to start over`, { kind: 'bad_input' });
    const s = this.get(id);
    await s.restart();
    return s.view();
  }

  /** Shutdown: no more adds; every stream stops and drains, side by side. */
  async stopAll(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.rooms.values()].map((r) => r.room.stop()));
    await Promise.all([...this.streams.values()].map((s) => s.stop()));
  }

  /**
   * A stream done for good (its file ended, it was removed or stopped, or it failed beyond healing) gets the end marker
   * on the shared bus (src/bus/stream-end.ts), so workers close their lanes and prune it after the retention. A
   * finished analysis wrote one already (analyzeSource); this one adds the final `state` entry's id, and covers the
   * streams analyzeSource never finished (removed while failed or in backoff, failed for good). Repeating it is safe:
   * the first marker's time stands and its fields merge.
   */
  private async endOnBus(plan: StreamPlan): Promise<void> {
    const bus = this.o.bus;
    if (!bus) return;
    await this.statePublished.get(plan.id);
    this.statePublished.delete(plan.id);
    try {
      await bus.endStream(plan.id, { remote: remoteStages(new Set(plan.stages)) });
    } catch (err) {
      log.warn({ streamId: plan.id, err: (err as Error).message }, 'end-of-stream marker not written to Redis');
    }
  }

  private onState(m: StateMsg): void {
    this.o.tap('state', m);
    const bus = this.o.bus;
    if (bus) {
      const p = bus.publish(streamKey('state', m.streamId), CODECS.state.encode(m), { maxLen: Math.min(RESULT_MAXLEN, 1000) })
        .catch((err) => log.warn({ streamId: m.streamId, err: (err as Error).message }, 'state not published to Redis'));
      this.statePublished.set(m.streamId, p);
    }
    log.info({ streamId: m.streamId, state: m.state, previous: m.previous, reason: m.reason }, 'stream state');
  }
}
