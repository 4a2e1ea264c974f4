/**
 * `analyze` for one source: register the stream (reusing its stored time base so a re-run produces the
 * same keys and adds no rows), run ingestion into the stream's stages, drain them, and summarise from the
 * database. Stages never stop ingestion: their failures become skip rows.
 */
import { VideoAgentError } from '../errors';
import { openSource, resolveSource, defaultStreamId, isValidStreamId, type Session, type SessionStats } from '../ingest';
import type { CostSnapshot } from '../runpod';
import type { EndpointCallSummary, RowCounts, SkipSummary, StoredEvent } from '../store';
import type { Stage } from '../stages/ports';
import type { Runtime } from './runtime';
import { encodeAudio, encodeFrame, streamKey, type Bus } from '../bus';
import { StreamAnalyzer, type AnalyzerTuning, type StreamAnalyzerStats } from './stream-analyzer';

export interface AnalyzeOptions {
  /** A file path or an rtsp:// URL. */
  input: string;
  stages: ReadonlySet<Stage>;
  fps?: number;
  streamId?: string;
  pipeline?: string;
  /** Extra pipeline parameters (width, height, quality…). */
  params?: Record<string, unknown>;
  tuning?: AnalyzerTuning;
  /** Live sources run until aborted (or this many seconds of wall time). */
  maxDurationS?: number;
  signal?: AbortSignal;
  onProgress?: (p: AnalyzeProgress) => void;
  /**
   * A shared bus (Redis): media of the stages not run here is published on `video:<id>` / `audio:<id>` for
   * `worker --stage …` processes elsewhere (`--stages none` publishes everything).
   */
  bus?: Bus;
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
  stages: StreamAnalyzerStats;
}

export interface AnalyzeSummary {
  streamId: string;
  source: string;
  live: boolean;
  wallMs: number;
  ingest: SessionStats;
  stages: StreamAnalyzerStats;
  rows: RowCounts;
  topEvents: StoredEvent[];
  calls: EndpointCallSummary[];
  skips: SkipSummary[];
  cost: CostSnapshot;
  localInference: boolean;
}

export async function analyzeSource(rt: Runtime, opts: AnalyzeOptions): Promise<AnalyzeSummary> {
  const started = Date.now();
  const source = resolveSource(opts.input);
  const streamId = opts.streamId ?? defaultStreamId(source);
  if (!isValidStreamId(streamId)) throw new VideoAgentError('E_BAD_STREAM_ID', `bad stream id '${streamId}': use 1-128 letters, digits, '_', '-', '.', ':'`);
  const live = source.kind === 'rtsp';
  // Files reuse the stored time base (same ts keys on a re-run); a live source's clock starts now.
  const record = await rt.store.upsertStream({ streamId, source: source.display, startedAt: Date.now(), metadata: { kind: source.kind } });
  const startTimeMs = live ? Date.now() : record.startedAt;
  const session = await openSource(source, {
    streamId, pipeline: opts.pipeline, startTimeMs,
    params: { ...opts.params, ...(opts.fps !== undefined ? { fps: opts.fps } : {}) },
  });
  opts.onSession?.(session);
  const analyzer = new StreamAnalyzer({ streamId, stages: opts.stages, live: session.live, ports: rt.ports, tuning: opts.tuning });

  const stop = () => { void session.stop(); };
  opts.signal?.addEventListener('abort', stop, { once: true });
  const timer = opts.maxDurationS ? setTimeout(stop, opts.maxDurationS * 1000) : null;
  const progress = opts.onProgress
    ? setInterval(() => {
        const s = session.stats();
        opts.onProgress!({ streamId, live: session.live, positionUs: s.positionUs, durationUs: s.durationUs, frames: s.frames, audioSeconds: s.audioSeconds, stages: analyzer.stats() });
      }, 500)
    : null;
  const bus = opts.bus;
  const shareVideo = bus && !(opts.stages.has('detection') && opts.stages.has('vlm'));
  const shareAudio = bus && !opts.stages.has('audio');
  const videoKey = streamKey('video', streamId);
  const audioKey = streamKey('audio', streamId);
  let ingest: SessionStats;
  try {
    ingest = await session.run({
      onFrame: async (f) => {
        if (shareVideo) await bus.publish(videoKey, encodeFrame(f));
        await analyzer.onFrame(f);
      },
      onAudio: async (c) => {
        if (shareAudio) await bus.publish(audioKey, encodeAudio(c));
        await analyzer.onAudio(c);
      },
    });
  } finally {
    if (timer) clearTimeout(timer);
    if (progress) clearInterval(progress);
    opts.signal?.removeEventListener('abort', stop);
    await session.stop();
  }
  await analyzer.finish();
  await rt.store.flush();
  const [rows, topEvents, calls, skips] = await Promise.all([
    rt.store.countRows(streamId), rt.store.topEvents({ streamId, limit: 5 }), rt.store.endpointCallSummary(streamId), rt.store.skipSummary(streamId),
  ]);
  return {
    streamId, source: source.display, live, wallMs: Date.now() - started, ingest, stages: analyzer.stats(),
    rows, topEvents, calls, skips, cost: rt.runpod.cost.snapshot(), localInference: rt.localInference,
  };
}
