/**
 * vlm: frames (with their ingest scene scores), detections, transcripts and emotions feed a bounded history and a
 * trigger policy; each trigger's window is described by the VLM endpoint once its frames and context are
 * in, validated (one retry for an invalid reply), stored as an events row and published on `events`.
 */
import { z } from 'zod';
import { optionsOf } from '../common/options';
import type { TopicInput } from '../../topics';
import type { StageModule } from '../stage';
import type { ContextSource, VlmState } from './vlm-stage';
import { VlmStage } from './vlm-stage';

const Options = z.object({
  /** Window before / after the trigger, seconds. */
  preS: z.number().min(0).max(60).default(3),
  postS: z.number().min(0).max(60).default(2),
  maxImages: z.number().int().min(1).max(16).default(4),
  maxTokens: z.number().int().min(32).max(4096).optional(),
  /** Extra media time to wait after a window for its (lagging) context. */
  contextLagS: z.number().min(0).max(30).default(0.5),
  /**
   * Longest wait (media seconds past the window's end) for detections / transcripts / emotions not in
   * yet; the window is then described with the context that is in. Default 20 on files (complete
   * context), 1 on live sources (an event is worth more early than with the last audio window's words).
   */
  maxContextWaitS: z.number().min(0).max(60).optional(),
  sampleEveryMs: z.number().int().min(50).max(10_000).default(500),
  queueCapacity: z.number().int().min(1).max(64).default(2),
  sceneThreshold: z.number().min(0).max(1).optional(),
  prosodyPeakDb: z.number().min(0).max(60).optional(),
  keywords: z.array(z.string()).optional(),
  periodicS: z.number().min(1).max(3600).optional(),
  minGapS: z.number().min(0).max(3600).optional(),
});

const LIVE_MAX_CONTEXT_WAIT_S = 1;

export const vlmStage: StageModule<VlmState> = {
  name: 'vlm',
  description: 'described moments (VLM endpoint) on scene changes, new tracks, speech cues and a periodic floor',
  consumes: ['frames', 'detections', 'transcripts', 'emotions'],
  produces: ['events'],
  tables: ['events', 'skips', 'endpoint_calls'],
  endpoint: 'vlm',
  default: true,
  state: { encode: (s) => JSON.stringify({ v: 1, ...s }), decode: decodeVlmState },
  create(ctx) {
    const o = optionsOf('vlm', Options, ctx.options);
    // Describe a window only once the detections / transcripts / emotions of this graph's stages for it are in.
    const awaitContext = (['detections', 'transcripts', 'emotions'] as const).filter((t): t is ContextSource => ctx.upstream.has(t));
    const stage = new VlmStage({
      streamId: ctx.streamId, describe: ctx.services.inference, rows: ctx.services.rows, publish: ctx.publish,
      preS: o.preS, postS: o.postS, maxImages: o.maxImages, maxTokens: o.maxTokens, contextLagS: o.contextLagS,
      maxContextWaitS: o.maxContextWaitS ?? (ctx.live ? LIVE_MAX_CONTEXT_WAIT_S : undefined),
      sampleEveryMs: o.sampleEveryMs, queueCapacity: o.queueCapacity, awaitContext,
      triggers: { sceneThreshold: o.sceneThreshold, prosodyPeakDb: o.prosodyPeakDb, keywords: o.keywords, periodicS: o.periodicS, minGapS: o.minGapS },
      overflow: ctx.live ? 'drop-oldest' : 'block', state: ctx.state,
    });
    const handle = async (input: TopicInput): Promise<void> => {
      if (input.topic === 'frames') await stage.onFrame(input.msg);
      else if (input.topic === 'detections') await stage.onDetections(input.msg);
      else if (input.topic === 'transcripts') await stage.onTranscript(input.msg);
      else if (input.topic === 'emotions') await stage.onEmotions(input.msg);
    };
    return {
      handle,
      // Worker mode: a read is acknowledged once the windows it made due are described and recorded, and
      // the rest (waiting windows, trigger memory, recent context) is in the handed-over state.
      async handleBatch(inputs) {
        for (const i of inputs) await handle(i);
        await stage.idle();
      },
      state: () => stage.state(),
      finish: () => stage.flush(),
      stats: () => ({ ...stage.getStats() }),
    };
  },
};

function decodeVlmState(raw: string): VlmState | null {
  try {
    const o = JSON.parse(raw) as Partial<VlmState> & { v?: number };
    if (o.v !== 1 || !o.policy || !Array.isArray(o.pending) || !Array.isArray(o.frames) || typeof o.latestUs !== 'number') return null;
    return o as VlmState;
  } catch {
    return null;
  }
}
