/**
 * `analyze` for one source: register the stream (reusing its stored time base so a re-run produces the
 * same keys and adds no rows), run ingestion into the stream's stages, drain them, and summarise from the
 * database. Stages never stop ingestion: their failures become skip rows.
 */
import { VideoAgentError } from '../errors';
import { openSource, resolveSource, defaultStreamId, isValidStreamId, type Session, type SessionStats } from '../ingest';
import type { CostSnapshot } from '../runpod';
import type { EndpointCallSummary, RowCounts, SkipSummary, StoredEvent } from '../store';
import { MemoryBus, type Bus } from '../bus';
import { StreamGraph, type MessageTap } from '../graph/stream-graph';
import { stageModules, type StageStatsMap } from '../stages';
import type { GraphTopic, TopicMessages } from '../topics';
import { emotionCounts, listHighlights, summariseSpeakers, type HighlightItem } from '../results';
import type { SpeakerSummary } from '../results/schemas';
import { startRecording, type RecordingOptions } from '../recording/start-recording';
import { recordingSegments } from '../recording/recording-segments';
import { exportHighlightClips, type HighlightClipResult } from '../clips/highlight-clips';
import { LiveHighlightClipper } from '../clips/live-highlight-clipper';
import type { ClipSource } from '../clips/clip-source';
import type { ObjectStore } from '../object-store';
import type { SourceInfo } from '../ingest/source';
import { MediaPublisher } from './media-publisher';
import type { Runtime } from './runtime';

export interface AnalyzeOptions {
  /** A file path or an rtsp:// URL. */
  input: string;
  /** Stage names (src/stages/registry.ts). */
  stages: ReadonlySet<string>;
  fps?: number;
  streamId?: string;
  pipeline?: string;
  /** Extra pipeline parameters (width, height, quality…). */
  params?: Record<string, unknown>;
  /** Per-stage settings, keyed by stage name (e.g. `{ detection: { batchSize: 4 } }`). */
  stageOptions?: Record<string, Record<string, unknown>>;
  /** Live sources run until aborted (or this many seconds of wall time). */
  maxDurationS?: number;
  signal?: AbortSignal;
  onProgress?: (p: AnalyzeProgress) => void;
  /**
   * A shared bus (Redis): media of the stages not run here is published on `video:<id>` / `audio:<id>` for
   * `worker --stage …` processes elsewhere (`--stages none` publishes everything).
   */
  bus?: Bus;
  /** Sees every frame and result this process publishes for the stream (the server's live feed). */
  tap?: MessageTap;
  /**
   * A session opened elsewhere (a LiveKit participant's, src/sources/livekit): analysed as a live stream
   * instead of opening `input`, which then only names the source for the streams row.
   */
  session?: Session;
  /**
   * Record the stream (src/recording) under `<dataDir>/recordings/<stream>/` when `enabled`: RTSP through
   * the template's record branch; a file is its own recording. Not for a session opened elsewhere.
   */
  recording?: RecordingOptions;
  /**
   * After the run, cut the `top` best highlights without a clip into MP4 + poster in `store` (from the file,
   * or from the recording of a recorded live source). A failed export is logged and listed, never fatal.
   */
  highlightClips?: { store: ObjectStore; top: number };
  /** Called once the session exists (tests use it to stop a live source). */
  onSession?: (s: Session) => void;
}

export interface AnalyzeProgress {
  streamId: string;
  live: boolean;
  positionUs: number;
  durationUs: number;
  frames: number;
  audioSeconds: number;
  stages: StageStatsMap;
}

export interface AnalyzeSummary {
  streamId: string;
  source: string;
  live: boolean;
  wallMs: number;
  ingest: SessionStats;
  stages: StageStatsMap;
  rows: RowCounts;
  topEvents: StoredEvent[];
  calls: EndpointCallSummary[];
  skips: SkipSummary[];
  /** Per speaker talk time and turns (diarization). */
  speakers: SpeakerSummary[];
  /** Dominant emotions on faces, most frequent first (emotion). */
  emotions: { emotion: string; count: number }[];
  /** The best highlights (by score, at most 10), in media-time order, with their clips when exported. */
  highlights: HighlightItem[];
  /** Highlight clips that could not be exported (`highlightClips`), with the reason. */
  clipFailures: { startUs: number; error: string }[];
  cost: CostSnapshot;
  localInference: boolean;
}

export async function analyzeSource(rt: Runtime, opts: AnalyzeOptions): Promise<AnalyzeSummary> {
  const started = Date.now();
  const source = resolveSource(opts.input);
  const streamId = opts.streamId ?? defaultStreamId(source);
  if (!isValidStreamId(streamId)) throw new VideoAgentError('E_BAD_STREAM_ID', `bad stream id '${streamId}': use 1-128 letters, digits, '_', '-', '.', ':'`);
  const live = opts.session ? opts.session.live : source.kind === 'rtsp' || source.kind === 'livekit';
  // Files reuse the stored time base (same ts keys on a re-run); a live source's clock starts now.
  const record = await rt.store.upsertStream({ streamId, source: source.display, startedAt: Date.now(), metadata: { kind: source.kind } });
  const startTimeMs = live ? Date.now() : record.startedAt;
  const recording = opts.recording?.enabled && !opts.session ? startRecording({ streamId, source, options: opts.recording, clockStartMs: startTimeMs }) : null;
  const session = opts.session ?? await unlessAborted(openSource(source, {
    streamId, pipeline: opts.pipeline, startTimeMs, record: recording?.branch,
    params: { ...opts.params, ...(opts.fps !== undefined ? { fps: opts.fps } : {}) },
  }), opts.signal).catch(async (err: unknown) => { await recording?.stop(); throw err; });
  recording?.attach(session);
  opts.onSession?.(session);
  // The local stages run on an in-process bus; results are mirrored to the shared bus (Redis) when given,
  // and media go there too for the stages left to `worker` processes elsewhere.
  const local = new MemoryBus({ maxQueue: 64, onFull: 'block' });
  // A recorded live stream's best highlights are cut from the recording as soon as it covers them.
  const clipper = session.live && recording && opts.recording && opts.highlightClips && opts.highlightClips.top > 0 && opts.stages.has('highlights')
    ? new LiveHighlightClipper({
        streamId, pool: rt.store.pool, store: opts.highlightClips.store, streamStartMs: startTimeMs, top: opts.highlightClips.top,
        segments: (fromUs, toUs) => recordingSegments(streamId, fromUs, toUs, { dataDir: opts.recording!.dataDir, session: startTimeMs }),
      })
    : null;
  const tap: MessageTap | undefined = clipper
    ? (topic, msg) => { opts.tap?.(topic, msg); if (topic === 'highlights') clipper.offer(msg as TopicMessages['highlights']); }
    : opts.tap;
  const graph = new StreamGraph({ bus: local, streamId, stages: opts.stages, live: session.live, services: rt.services, options: opts.stageOptions, mirror: opts.bus, consumer: 'analyze', tap });
  await graph.start();
  const media = new MediaPublisher({
    streamId, rows: rt.store, local, localTopics: graph.consumes, shared: opts.bus, sharedTopics: remoteMediaTopics(opts.stages), tap: opts.tap,
  });

  const stop = () => { void session.stop(); };
  opts.signal?.addEventListener('abort', stop, { once: true });
  if (opts.signal?.aborted) stop();
  const timer = opts.maxDurationS ? setTimeout(stop, opts.maxDurationS * 1000) : null;
  const progress = opts.onProgress
    ? setInterval(() => {
        const s = session.stats();
        opts.onProgress!({ streamId, live: session.live, positionUs: s.positionUs, durationUs: s.durationUs, frames: s.frames, audioSeconds: s.audioSeconds, stages: graph.stats() });
      }, 500)
    : null;
  let ingest: SessionStats;
  try {
    ingest = await session.run({ onFrame: (f) => media.frame(f), onAudio: (c) => media.audio(c) });
  } finally {
    if (timer) clearTimeout(timer);
    if (progress) clearInterval(progress);
    opts.signal?.removeEventListener('abort', stop);
    await session.stop();
    await recording?.stop();
  }
  await Promise.all([graph.finish(), media.flush()]);
  // End-of-stream marker on the shared bus: workers close their lanes for this stream once they processed
  // up to the last entry published here (src/bus/stream-end.ts; docs/architecture.md, bus section).
  await opts.bus?.endStream(streamId, { remote: remoteStages(opts.stages) });
  await local.close();
  await rt.store.flush();
  await clipper?.close();
  const clips = opts.highlightClips && opts.highlightClips.top > 0 && opts.stages.has('highlights')
    ? await clipHighlights(rt, opts.highlightClips, { streamId, source, recording: opts.recording, startTimeMs, mediaEndUs: ingest.positionUs })
    : null;
  const [rows, topEvents, calls, skips, speakers, emotions, highlights] = await Promise.all([
    rt.store.countRows(streamId), rt.store.topEvents({ streamId, limit: 5 }), rt.store.endpointCallSummary(streamId), rt.store.skipSummary(streamId),
    summariseSpeakers(rt.store.pool, streamId, {}), emotionCounts(rt.store.pool, streamId),
    listHighlights(rt.store.pool, streamId, { limit: 10, top: 10 }).then((p) => p.items),
  ]);
  return {
    streamId, source: source.display, live, wallMs: Date.now() - started, ingest, stages: graph.stats(),
    rows, topEvents, calls, skips, speakers, emotions, highlights, clipFailures: clips?.failed ?? [], cost: rt.runpod.cost.snapshot(), localInference: rt.localInference,
  };
}

/**
 * Opening a camera can take its whole connect timeout: a stop asked meanwhile returns at once (a session
 * that opens after all is stopped unused).
 */
async function unlessAborted(opening: Promise<Session>, signal: AbortSignal | undefined): Promise<Session> {
  if (!signal) return opening;
  const aborted = () => new VideoAgentError('E_ABORTED', 'stopped before the source was open', { kind: 'aborted' });
  if (signal.aborted) { void opening.then((s) => s.stop(), () => undefined); throw aborted(); }
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([opening, new Promise<never>((_, reject) => {
      onAbort = () => { void opening.then((s) => s.stop(), () => undefined); reject(aborted()); };
      signal.addEventListener('abort', onAbort, { once: true });
    })]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Default stages not run here: the marker says their results complete once their workers are done. */
export function remoteStages(local: ReadonlySet<string>): string[] {
  return stageModules().filter((m) => m.default && !local.has(m.name)).map((m) => m.name);
}

/** Media topics consumed by a registered default stage that does not run here (a worker elsewhere runs it). */
function remoteMediaTopics(local: ReadonlySet<string>): Set<GraphTopic> {
  const out = new Set<GraphTopic>();
  for (const m of stageModules()) {
    if (!m.default || local.has(m.name)) continue;
    for (const t of m.consumes) if (t === 'frames' || t === 'audio') out.add(t);
  }
  return out;
}

/** The media a stream's clips are cut from: the file itself, or a recorded live source's closed segments. */
async function clipHighlights(
  rt: Runtime, o: { store: ObjectStore; top: number },
  s: { streamId: string; source: SourceInfo; recording?: RecordingOptions; startTimeMs: number; mediaEndUs: number },
): Promise<HighlightClipResult | null> {
  let clipSource: ClipSource | null = null;
  if (s.source.kind === 'file') clipSource = { kind: 'file', path: s.source.path };
  else if (s.recording?.enabled) {
    const segments = await recordingSegments(s.streamId, 0, s.mediaEndUs + 1, { dataDir: s.recording.dataDir, session: s.startTimeMs });
    if (segments.length) clipSource = { kind: 'segments', segments };
  }
  if (!clipSource) return null;
  return exportHighlightClips(rt.store.pool, o.store, { streamId: s.streamId, source: clipSource, streamStartMs: s.startTimeMs, top: o.top, mediaEndUs: s.mediaEndUs });
}
