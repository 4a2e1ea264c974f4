import { EventEmitter } from 'node:events';
import type { LocalParticipantLike, ParticipantLike, PublicationLike, RoomEventsLike, RoomLike, TrackLike } from '../room-like';
import { TRACK_KIND, TRACK_SOURCE } from '../room-like';

/** A publication whose subscription the test completes (subscribe()) or that auto-completes via the room. */
export class FakePublication implements PublicationLike {
  subscribed = false;
  constructor(readonly sid: string, readonly kind: number, readonly source: number, readonly track: TrackLike, private readonly room: FakeRoom, private readonly owner: FakeParticipant) {}
  setSubscribed(subscribed: boolean): void {
    this.subscribed = subscribed;
    // The server answers a subscription with trackSubscribed; asynchronously, as over the wire.
    if (subscribed && this.room.autoComplete) queueMicrotask(() => this.room.emitEvent('trackSubscribed', this.track, this, this.owner));
  }
}

export class FakeParticipant implements ParticipantLike {
  readonly trackPublications = new Map<string, FakePublication>();
  constructor(readonly identity: string) {}
}

export class FakeLocalParticipant implements LocalParticipantLike {
  readonly published: { data: Uint8Array; topic?: string; reliable?: boolean }[] = [];
  async publishData(data: Uint8Array, options: { reliable?: boolean; topic?: string }): Promise<void> {
    this.published.push({ data, ...options });
  }
}

let sidCounter = 0;

/**
 * A typed stand-in for @livekit/rtc-node's Room: connect() succeeds or fails as told, and the test drives
 * the room's events (join, publish, unpublish, leave, disconnect). Tracks carry whatever the test's
 * TrackReaderFactory understands (a real LocalVideoTrack, or a tag for a scripted reader).
 */
export class FakeRoom extends EventEmitter implements RoomLike {
  readonly remoteParticipants = new Map<string, FakeParticipant>();
  readonly localParticipant = new FakeLocalParticipant();
  connected = false;
  connectCalls: { url: string; token: string; opts: { autoSubscribe: boolean; dynacast: boolean } }[] = [];
  /** Subscriptions complete by themselves (false: the test calls completeSubscription). */
  autoComplete = true;
  constructor(private readonly failWith: Error | null = null) {
    super();
  }

  async connect(url: string, token: string, opts: { autoSubscribe: boolean; dynacast: boolean }): Promise<void> {
    this.connectCalls.push({ url, token, opts });
    if (this.failWith) throw this.failWith;
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    this.emitEvent('disconnected', 1);
  }

  emitEvent<E extends keyof RoomEventsLike>(event: E, ...args: Parameters<RoomEventsLike[E]>): void {
    this.emit(event, ...args);
  }

  /** A participant present before the agent joins (no participantConnected event). */
  addExisting(identity: string): FakeParticipant {
    const p = new FakeParticipant(identity);
    this.remoteParticipants.set(identity, p);
    return p;
  }

  join(identity: string): FakeParticipant {
    const p = this.addExisting(identity);
    this.emitEvent('participantConnected', p);
    return p;
  }

  publish(p: FakeParticipant, source: keyof typeof TRACK_SOURCE, track: TrackLike, opts: { silent?: boolean } = {}): FakePublication {
    const kind = source === 'camera' || source === 'screen_share' ? TRACK_KIND.video : TRACK_KIND.audio;
    const pub = new FakePublication(`TR_${++sidCounter}`, kind, TRACK_SOURCE[source], track, this, p);
    p.trackPublications.set(pub.sid, pub);
    if (!opts.silent) this.emitEvent('trackPublished', pub, p);
    return pub;
  }

  unpublish(p: FakeParticipant, pub: FakePublication): void {
    p.trackPublications.delete(pub.sid);
    if (pub.subscribed) this.emitEvent('trackUnsubscribed', pub.track, pub, p);
    this.emitEvent('trackUnpublished', pub, p);
  }

  leave(p: FakeParticipant): void {
    for (const pub of [...p.trackPublications.values()]) this.unpublish(p, pub);
    this.remoteParticipants.delete(p.identity);
    this.emitEvent('participantDisconnected', p);
  }

  /** The server drops the agent (not client-initiated): the source rejoins. */
  drop(reason = 0): void {
    this.connected = false;
    this.emitEvent('disconnected', reason);
  }
}
