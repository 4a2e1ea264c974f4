/** What the routes get: the server's parts, built once by src/server/start-server.ts (or a test). */
import type { Runtime } from '../analyze/runtime';
import type { ServerSettings } from './config/server-config';
import type { ApiKeys } from './auth/api-keys';
import type { Sessions } from './auth/sessions';
import type { LiveFeed } from './live/live-feed';
import type { Supervisor } from './supervisor/supervisor';
import type { FrameMsg, DetectionsMsg, EmotionsMsg } from '../topics';
import type { ObjectStore } from '../object-store';
import type { RecordingSegment } from '../clips/clip-source';

export interface ReadyCheck { name: string; ok: boolean; detail?: string; ms: number }

export interface ServerContext {
  settings: ServerSettings;
  keys: ApiKeys;
  sessions: Sessions;
  runtime: Runtime;
  supervisor: Supervisor;
  feed: LiveFeed;
  /** Database, bus and endpoint checks for /readyz. */
  readiness(): Promise<ReadyCheck[]>;
  /** Circuit state of every configured endpoint id. */
  breakers(): { model: string; endpointId: string; state: string }[];
  /** The latest sampled frame of a stream run here and the detections closest to it. */
  latestFrame(streamId: string): { frame: FrameMsg; detections: DetectionsMsg | null; emotions: EmotionsMsg | null } | null;
  /** Frame nearest a media time (for `ask`). */
  frameNear(streamId: string, ptsUs: number): FrameMsg | null;
  /** Where clips and posters are uploaded (objectStoreFromEnv); clip export answers 503 without it. */
  objectStore?: ObjectStore;
  /** Recorded segments of a live stream overlapping [fromUs, toUs) of its media time; absent: no recording to cut clips from. */
  recordingSegments?: (streamId: string, fromUs: number, toUs: number) => Promise<RecordingSegment[]>;
}
