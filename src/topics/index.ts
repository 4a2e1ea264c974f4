/**
 * The stage graph's topics: message types and their one codec each. A topic without a codec here cannot
 * be published.
 */
import type { TopicCodec } from './codec';
import { audioCodec, type AudioMsg } from './audio';
import { detectionsCodec, type DetectionsMsg } from './detections';
import { eventsCodec, type EventMsg } from './events';
import { framesCodec, type FrameMsg } from './frames';
import { transcriptsCodec, type TranscriptMsg } from './transcripts';
import { stateCodec, type StateMsg } from './state';
import { emotionsCodec, type EmotionsMsg } from './emotions';
import { speakersCodec, type SpeakersMsg } from './speakers';
import { highlightsCodec, type HighlightMsg } from './highlights';
import { alertsCodec, type AlertMsg } from './alerts';

export interface TopicMessages {
  frames: FrameMsg;
  audio: AudioMsg;
  detections: DetectionsMsg;
  transcripts: TranscriptMsg;
  events: EventMsg;
  emotions: EmotionsMsg;
  speakers: SpeakersMsg;
  highlights: HighlightMsg;
  alerts: AlertMsg;
  state: StateMsg;
}
export type GraphTopic = keyof TopicMessages;

export const CODECS: { [T in GraphTopic]: TopicCodec<TopicMessages[T]> } = {
  frames: framesCodec,
  audio: audioCodec,
  detections: detectionsCodec,
  transcripts: transcriptsCodec,
  events: eventsCodec,
  emotions: emotionsCodec,
  speakers: speakersCodec,
  highlights: highlightsCodec,
  alerts: alertsCodec,
  state: stateCodec,
};

/** A decoded message with its topic: what a stage receives. */
export type TopicInput = { [T in GraphTopic]: { topic: T; msg: TopicMessages[T] } }[GraphTopic];

export function isGraphTopic(t: string): t is GraphTopic {
  return Object.hasOwn(CODECS, t);
}

export type { TopicCodec } from './codec';
export { badMessage } from './codec';
export type { FrameMsg } from './frames';
export type { AudioMsg } from './audio';
export type { DetectionsMsg, DetectedObject } from './detections';
export type { TranscriptMsg, TranscriptWord, ProsodySummary } from './transcripts';
export type { EventMsg } from './events';
export { STREAM_STATES, type StateMsg, type StreamState } from './state';
export type { EmotionsMsg, FaceEmotion } from './emotions';
export type { SpeakersMsg, SpeakerTurn } from './speakers';
export type { HighlightMsg } from './highlights';
export type { AlertMsg } from './alerts';
