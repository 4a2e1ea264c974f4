/**
 * LiveKit rooms as a source: each participant's camera and microphone become one stream `<room>:<identity>`
 * through `pipelines/livekit.yaml`.
 *
 *   const lk = await startLivekitSource({ url: 'wss://host', room: 'demo', onParticipantStream: (id, s) => void s.run() });
 */
export { startLivekitSource, LivekitSource, RESULTS_TOPIC, DEFAULT_LIVEKIT_CONNECT_TIMEOUT_MS, type LivekitSourceOptions, type LivekitSourceState, type LivekitSourceStats, type ParticipantInfo } from './livekit-source';
export { livekitOptionsFromSource } from './from-source';
export { accessToken, credentialsFromEnv, DEFAULT_TOKEN_TTL_S, type TokenRequest } from './token';
export { participantStreamId } from './stream-id';
export { ParticipantStream, type I420Frame, type PcmFrame } from './participant-stream';
export { PtsClock } from './pts-clock';
export type { RoomLike, ParticipantLike, PublicationLike, TrackLike, TrackSourceName } from './room-like';
export type { TrackReaderFactory, TrackMediaReader, TrackMedia } from './track-reader';
