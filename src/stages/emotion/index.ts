/**
 * emotion: frames + detections → faces inside person boxes (local face detector) → face crops (sharp) →
 * the emotion endpoint, one call per group of frames → `emotions` rows and one `emotions` message per
 * paired frame. Cost bound: at most `maxFacesPerFrame` people per frame and one analysis per person track
 * per `trackIntervalMs` of media time; the frames between are not looked at (their message says
 * `rate_bound`, no skip row: nothing failed). Per-stream state: the pairing buffers (frames waiting for
 * their detections) and the per-track bookings, so a take-over keeps the bound and loses no frame.
 */
import { z } from 'zod';
import { optionsOf } from '../common/options';
import type { StageModule } from '../stage';
import { EmotionStage, type BatchItem, type EmotionState } from './emotion-stage';
import { detectorFinder, headFinder } from './face-finder';

const Options = z.object({
  /** `detector`: face-api's SSD face detector on the local CPU (~0.4 s a looked-at frame); `head`: the person box's head region, no model. */
  faceFinder: z.enum(['detector', 'head']).default('detector'),
  /** SSD score threshold (face-api's own default). */
  minFaceConfidence: z.number().min(0.05).max(0.99).default(0.5),
  /** People (faces) sent per frame, largest boxes first. */
  maxFacesPerFrame: z.number().int().min(1).max(32).default(4),
  /** A person track is analysed at most once per this much media time. */
  trackIntervalMs: z.number().int().min(100).max(600_000).default(1000),
  /** Frames are paired and considered at most this often (media time); others are passed over on arrival. */
  sampleEveryMs: z.number().int().min(0).max(10_000).default(250),
  personClasses: z.array(z.string().min(1)).min(1).max(16).default(['person']),
  /** Border around the face box, as a fraction of its size on each side. */
  cropMargin: z.number().min(0).max(1).default(0.2),
  /** Crops are square JPEGs of this side (face-api's expression net reads 112×112). */
  cropSize: z.number().int().min(32).max(512).default(112),
  /** Paired frames whose faces share one endpoint call. */
  batchFrames: z.number().int().min(1).max(32).default(8),
  maxBatchAgeMs: z.number().int().min(0).max(60_000).default(500),
  queueCapacity: z.number().int().min(1).max(1024).default(32),
  /** Frames waiting for their detections (and detections for their frames). */
  pairBuffer: z.number().int().min(2).max(512).default(48),
});

export type EmotionOptions = z.infer<typeof Options>;

export const emotionStage: StageModule<EmotionState> = {
  name: 'emotion',
  description: 'facial expressions of tracked people (local face detector, emotion endpoint, one look per track per interval)',
  consumes: ['frames', 'detections'],
  produces: ['emotions'],
  tables: ['emotions', 'skips', 'endpoint_calls'],
  endpoint: 'emotion',
  default: false,
  state: { encode: (s) => JSON.stringify({ v: 1, ...s }), decode: decodeEmotionState },
  create(ctx) {
    const o = optionsOf('emotion', Options, ctx.options);
    const stage = new EmotionStage({
      streamId: ctx.streamId, emotions: ctx.services.inference, rows: ctx.services.rows, publish: ctx.publish,
      finder: o.faceFinder === 'head' ? headFinder() : detectorFinder({ minConfidence: o.minFaceConfidence, maxFaces: Math.max(8, 2 * o.maxFacesPerFrame) }),
      personClasses: o.personClasses, maxFacesPerFrame: o.maxFacesPerFrame, trackIntervalMs: o.trackIntervalMs, sampleEveryMs: o.sampleEveryMs,
      crop: { margin: o.cropMargin, size: o.cropSize }, batchFrames: o.batchFrames, maxBatchAgeMs: o.maxBatchAgeMs,
      queueCapacity: o.queueCapacity, pairBuffer: o.pairBuffer, overflow: ctx.live ? 'drop-oldest' : 'block', state: ctx.state,
      waitForDetections: !ctx.live && ctx.upstream.has('detections'),
    });
    return {
      async handle(input) {
        if (input.topic === 'frames') await stage.onFrame(input.msg);
        else if (input.topic === 'detections') await stage.onDetections(input.msg);
      },
      async handleBatch(inputs) {
        const items: BatchItem[] = [];
        for (const i of inputs) {
          if (i.topic === 'frames') items.push({ frame: i.msg });
          else if (i.topic === 'detections') items.push({ detections: i.msg });
        }
        await stage.pushBatchAndWait(items);
      },
      finish: () => stage.close(),
      state: () => stage.state(),
      stats: () => ({ ...stage.getStats() }),
    };
  },
};

function decodeEmotionState(raw: string): EmotionState | null {
  try {
    const o = JSON.parse(raw) as Partial<EmotionState> & { v?: number };
    if (o.v !== 1 || !o.pairing || !Array.isArray(o.pairing.frames) || !Array.isArray(o.pairing.detections) || typeof o.doneUpToUs !== 'number' || typeof o.tracks !== 'object') return null;
    return o as EmotionState;
  } catch {
    return null;
  }
}

export type { EmotionState, EmotionStats } from './emotion-stage';
