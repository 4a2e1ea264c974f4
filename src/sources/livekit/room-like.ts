/**
 * The part of @livekit/rtc-node's Room this source uses, typed structurally so the lifecycle logic runs
 * against the real Room and against the stand-in in testing/ alike. Kinds and sources are the SDK's
 * numeric enums (TrackKind.KIND_VIDEO = 2, TrackSource.SOURCE_CAMERA = 1, …).
 */
export interface PublicationLike {
  readonly sid?: string;
  readonly kind?: number;
  readonly source?: number;
  setSubscribed(subscribed: boolean): void;
}

export interface ParticipantLike {
  readonly identity: string;
  readonly trackPublications: Map<string, PublicationLike>;
}

/** A subscribed track: handed to a TrackReader (real: RemoteVideoTrack / RemoteAudioTrack). */
export interface TrackLike {
  readonly sid?: string;
  readonly kind?: number;
}

export interface LocalParticipantLike {
  publishData(data: Uint8Array, options: { reliable?: boolean; topic?: string }): Promise<void>;
}

export interface RoomEventsLike {
  participantConnected: (p: ParticipantLike) => void;
  participantDisconnected: (p: ParticipantLike) => void;
  trackPublished: (pub: PublicationLike, p: ParticipantLike) => void;
  trackUnpublished: (pub: PublicationLike, p: ParticipantLike) => void;
  trackSubscribed: (track: TrackLike, pub: PublicationLike, p: ParticipantLike) => void;
  trackUnsubscribed: (track: TrackLike, pub: PublicationLike, p: ParticipantLike) => void;
  /** The SDK's own ICE/signal reconnect (the session survives): logged only. */
  reconnecting: () => void;
  reconnected: () => void;
  /** Final: the SDK gave up, the server ended the session, or disconnect() was called. */
  disconnected: (reason: number) => void;
}

export interface RoomLike {
  connect(url: string, token: string, opts: { autoSubscribe: boolean; dynacast: boolean }): Promise<void>;
  disconnect(): Promise<void>;
  readonly remoteParticipants: Map<string, ParticipantLike>;
  readonly localParticipant?: LocalParticipantLike;
  on<E extends keyof RoomEventsLike>(event: E, listener: RoomEventsLike[E]): unknown;
  off<E extends keyof RoomEventsLike>(event: E, listener: RoomEventsLike[E]): unknown;
}

export const TRACK_KIND = { audio: 1, video: 2 } as const;
export const TRACK_SOURCE = { camera: 1, microphone: 2, screen_share: 3, screen_share_audio: 4 } as const;
export type TrackSourceName = keyof typeof TRACK_SOURCE;

/** DisconnectReason values after which joining again cannot help (the SDK's enum numbers). */
export const FINAL_DISCONNECT_REASONS: ReadonlySet<number> = new Set([
  1, // CLIENT_INITIATED: we left
  2, // DUPLICATE_IDENTITY: another agent took our identity
  4, // PARTICIPANT_REMOVED
  5, // ROOM_DELETED
  10, // ROOM_CLOSED
]);
