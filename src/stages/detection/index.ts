/**
 * detection: frames → the detection endpoint in batches → ByteTrack → detections rows and one
 * `detections` message per frame. Per-stream state: the tracker snapshot with the pts of the last frame
 * it saw, handed from one worker to the next so track ids continue.
 */
import { z } from 'zod';
import { childLogger } from '../../obs/logger';
import { optionsOf } from '../common/options';
import type { StageModule } from '../stage';
import { byteTracker } from './bytetrack-port';
import { DetectionStage } from './detection-stage';
import { decodeTrackerState, encodeTrackerState, type TrackerState } from './tracker-state';

const Options = z.object({
  /** Frames per endpoint call. */
  batchSize: z.number().int().min(1).max(64).default(8),
  /**
   * A partial batch goes out once its oldest frame has waited this long. Default: 250 ms for files
   * (fuller batches, fewer billed calls), 30 ms for live sources, where a sampled frame comes every
   * 100-200 ms and waiting for a batch is pure latency (src/server benchmarks: ~350 ms of a detection's
   * delay was this wait).
   */
  maxBatchAgeMs: z.number().int().min(0).max(60_000).optional(),
  queueCapacity: z.number().int().min(1).max(4096).default(64),
  maxInFlight: z.number().int().min(1).max(16).default(2),
});

const FILE_BATCH_AGE_MS = 250;
const LIVE_BATCH_AGE_MS = 30;

export const detectionStage: StageModule<TrackerState> = {
  name: 'detection',
  description: 'objects per frame (YOLO endpoint, batched) with ByteTrack ids',
  consumes: ['frames'],
  produces: ['detections'],
  tables: ['detections', 'skips', 'endpoint_calls'],
  endpoint: 'yolo',
  default: true,
  options: Options,
  state: { encode: encodeTrackerState, decode: decodeTrackerState },
  create(ctx) {
    const o = optionsOf('detection', Options, ctx.options);
    const stage = new DetectionStage({
      streamId: ctx.streamId, detect: ctx.services.inference, rows: ctx.services.rows, publish: ctx.publish,
      tracker: restoreTracker(ctx.streamId, ctx.state), trackedUpToUs: ctx.state?.trackedUpToUs,
      batchSize: o.batchSize, maxBatchAgeMs: o.maxBatchAgeMs ?? (ctx.live ? LIVE_BATCH_AGE_MS : FILE_BATCH_AGE_MS), queueCapacity: o.queueCapacity, maxInFlight: o.maxInFlight,
      overflow: ctx.live ? 'drop-oldest' : 'block',
    });
    return {
      async handle(input) {
        if (input.topic === 'frames') await stage.push(input.msg);
      },
      async handleBatch(inputs) {
        await stage.pushBatchAndWait(inputs.flatMap((i) => (i.topic === 'frames' ? [i.msg] : [])));
      },
      finish: () => stage.close(),
      state: () => ({ tracker: stage.trackerSnapshot(), trackedUpToUs: stage.trackedUpToUs() }),
      stats: () => ({ ...stage.getStats() }),
    };
  },
};

/** A snapshot the tracker rejects must not keep the stream stuck: start fresh (track ids restart) and say so. */
function restoreTracker(streamId: string, state: TrackerState | null) {
  if (!state) return byteTracker();
  try {
    return byteTracker(state.tracker);
  } catch (err) {
    childLogger({ stage: 'detection', streamId }).error({ err: (err as Error).message }, 'handed-over tracker rejected; starting a fresh tracker (track ids restart)');
    return byteTracker();
  }
}
