/**
 * All enabled stages for one stream in one process: frames go to detection and the VLM, audio to the audio
 * stage; detection and transcript results are fanned out to the VLM's context (the in-process bus) and to
 * an optional external publisher (Redis when REDIS_URL is set).
 */
import type { AudioChunk, Frame } from '../types';
import { AudioStage, type AudioStats } from '../stages/audio';
import { DetectionStage, type DetectionStats } from '../stages/detection';
import type { DescribePort, DetectPort, ProsodyPort, Publisher, ResultSink, ResultTopic, Stage, TrackerFactory, TranscribePort } from '../stages/ports';
import { VlmStage, type VlmStats } from '../stages/vlm';
import type { TriggerOptions } from '../stages/vlm/triggers';

export const ALL_STAGES: readonly Stage[] = ['detection', 'audio', 'vlm'];

export interface AnalyzerPorts {
  detect: DetectPort;
  transcribe: TranscribePort;
  describe: DescribePort;
  prosody: ProsodyPort;
  trackerFactory: TrackerFactory;
  sink: ResultSink;
  /** Results are also published here (e.g. Redis Streams); the in-process fan-out happens regardless. */
  publisher?: Publisher;
}

export interface AnalyzerTuning {
  batchSize?: number;
  maxBatchAgeMs?: number;
  detectionQueue?: number;
  audioWindowS?: number;
  audioOverlapS?: number;
  vlm?: TriggerOptions & { preS?: number; postS?: number; maxImages?: number };
}

export interface StreamAnalyzerOptions {
  streamId: string;
  stages: ReadonlySet<Stage>;
  /** Live sources drop the oldest queued work instead of slowing ingestion down. */
  live: boolean;
  ports: AnalyzerPorts;
  trackerSnapshot?: unknown;
  /** Handed over with the snapshot: the pts of the last frame that tracker saw. */
  trackedUpToUs?: number;
  tuning?: AnalyzerTuning;
}

export interface StreamAnalyzerStats {
  detection?: DetectionStats;
  audio?: AudioStats;
  vlm?: VlmStats;
}

export class StreamAnalyzer {
  readonly detection: DetectionStage | null;
  readonly audio: AudioStage | null;
  readonly vlm: VlmStage | null;

  constructor(opts: StreamAnalyzerOptions) {
    const { ports, tuning = {}, streamId } = opts;
    const overflow = opts.live ? 'drop-oldest' : 'block';
    const external = ports.publisher;
    let vlm: VlmStage | null = null;
    // Fan-out publisher: the VLM's context first (synchronous), then the external bus.
    const publisher: Publisher = {
      async publish(topic: ResultTopic, sid: string, payload: Record<string, unknown>) {
        if (vlm) feedVlm(vlm, topic, payload);
        await external?.publish(topic, sid, payload);
      },
    };
    const windowS = tuning.audioWindowS ?? 5;
    const overlapS = tuning.audioOverlapS ?? 1;
    if (opts.stages.has('vlm')) {
      vlm = new VlmStage({
        streamId, describe: ports.describe, sink: ports.sink, publisher, overflow,
        triggers: tuning.vlm, preS: tuning.vlm?.preS, postS: tuning.vlm?.postS, maxImages: tuning.vlm?.maxImages,
        contextLagS: 0.5,
        // Describe a window only once the local detection / audio results for it are in.
        awaitContext: [...(opts.stages.has('detection') ? ['detections' as const] : []), ...(opts.stages.has('audio') ? ['transcripts' as const] : [])],
      });
    }
    this.vlm = vlm;
    this.detection = opts.stages.has('detection')
      ? new DetectionStage({
          streamId, detect: ports.detect, tracker: ports.trackerFactory(streamId, opts.trackerSnapshot), sink: ports.sink, publisher,
          batchSize: tuning.batchSize, maxBatchAgeMs: tuning.maxBatchAgeMs, queueCapacity: tuning.detectionQueue, overflow,
          onProgress: (us) => vlm?.noteProgress('detections', us), trackedUpToUs: opts.trackedUpToUs,
        })
      : null;
    this.audio = opts.stages.has('audio')
      ? new AudioStage({
          streamId, transcribe: ports.transcribe, prosody: ports.prosody, sink: ports.sink, publisher, overflow, windowS, overlapS,
          onProgress: (us) => vlm?.noteProgress('transcripts', us),
        })
      : null;
    // With detection off, frames still need their rows (the VLM does not write them).
    this.writeFramesOnly = !this.detection && opts.stages.size > 0 ? ports.sink : null;
  }

  private readonly writeFramesOnly: ResultSink | null;

  async onFrame(frame: Frame): Promise<void> {
    // The scene score is known before the frame's row is written (rows are insert-only, never updated).
    const sceneScore = this.vlm?.observeFrame(frame) ?? null;
    if (this.writeFramesOnly) {
      await this.writeFramesOnly.writeFrames([{
        streamId: frame.streamId, ptsUs: frame.ptsUs, ts: frame.ts, width: frame.width, height: frame.height,
        bytes: frame.jpeg.length, sceneScore,
      }]);
    }
    await Promise.all([this.detection?.push(frame, { sceneScore }), this.vlm?.advance()]);
  }

  async onAudio(chunk: AudioChunk): Promise<void> {
    await this.audio?.push(chunk);
  }

  /** End of stream: drains detection and audio first, since their results feed the VLM's last window. */
  async finish(): Promise<void> {
    await Promise.all([this.detection?.close(), this.audio?.flush()]);
    await this.vlm?.flush();
  }

  stats(): StreamAnalyzerStats {
    return { detection: this.detection?.getStats(), audio: this.audio?.getStats(), vlm: this.vlm?.getStats() };
  }
}

function feedVlm(vlm: VlmStage, topic: ResultTopic, p: Record<string, unknown>): void {
  if (topic === 'detections') {
    const dets = (p.detections as { class_name: string; track_id: number | null }[]) ?? [];
    vlm.onDetections({ ptsUs: Number(p.pts_us), detections: dets.map((d) => ({ className: d.class_name, trackId: d.track_id })) });
  } else if (topic === 'transcripts') {
    const prosody = p.prosody as { rmsDb?: number } | null;
    vlm.onTranscript({ startUs: Number(p.start_us), endUs: Number(p.end_us), text: String(p.text ?? ''), rmsDb: prosody?.rmsDb ?? null });
  }
}

/** Parses `--stages a,b` ('none' and '' mean ingest only). */
export function parseStages(value: string | undefined): Set<Stage> {
  if (value === undefined) return new Set(ALL_STAGES);
  const names = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'none');
  const bad = names.filter((n) => !(ALL_STAGES as readonly string[]).includes(n));
  if (bad.length) throw new RangeError(`unknown stage${bad.length > 1 ? 's' : ''} ${bad.join(', ')} (choose from ${ALL_STAGES.join(', ')} or none)`);
  return new Set(names as Stage[]);
}
