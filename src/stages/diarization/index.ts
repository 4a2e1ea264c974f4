/**
 * diarization: PCM → 10 s windows (1 s overlap) → diarization endpoint → local speakers linked across
 * windows by embedding cosine similarity → speaker_turns rows and one `speakers` message per window.
 */
import { z } from 'zod';
import { optionsOf } from '../common/options';
import type { StageModule } from '../stage';
import { DiarizationStage, type DiarizationState } from './diarization-stage';

/**
 * Default link threshold: the local diarizer's MFCC-statistics centroids of two different flite voices
 * are ~0.78–0.80 cosine-similar, pyannote's are far lower; one voice's centroids across windows are ≥ 0.9.
 */
export const DEFAULT_LINK_THRESHOLD = 0.88;

const Options = z.object({
  windowS: z.number().min(2).max(60).default(10),
  overlapS: z.number().min(0).max(5).default(1),
  linkThreshold: z.number().min(-1).max(1).default(DEFAULT_LINK_THRESHOLD),
  queueCapacity: z.number().int().min(1).max(256).default(4),
});

export const diarizationStage: StageModule<DiarizationState> = {
  name: 'diarization',
  description: 'who speaks when (diarization endpoint), speaker ids stable over the stream',
  consumes: ['audio'],
  produces: ['speakers'],
  tables: ['speaker_turns', 'skips', 'endpoint_calls'],
  endpoint: 'diarization',
  default: false,
  state: { encode: (s) => JSON.stringify({ v: 1, ...s }), decode: decodeState },
  create(ctx) {
    const o = optionsOf('diarization', Options, ctx.options);
    if (o.overlapS * 2 >= o.windowS) throw new RangeError(`stages.diarization.overlapS (${o.overlapS}) must be less than half of windowS (${o.windowS})`);
    const stage = new DiarizationStage({
      streamId: ctx.streamId, diarize: ctx.services.inference, rows: ctx.services.rows, publish: ctx.publish,
      windowS: o.windowS, overlapS: o.overlapS, linkThreshold: o.linkThreshold, queueCapacity: o.queueCapacity,
      overflow: ctx.live ? 'drop-oldest' : 'block', state: ctx.state,
    });
    return {
      async handle(input) { if (input.topic === 'audio') await stage.push(input.msg); },
      async handleBatch(inputs) { await stage.pushBatchAndWait(inputs.flatMap((i) => (i.topic === 'audio' ? [i.msg] : []))); },
      state: () => stage.state(),
      finish: () => stage.flush(),
      stats: () => ({ ...stage.getStats() }),
    };
  },
};

function decodeState(raw: string): DiarizationState | null {
  try {
    const o = JSON.parse(raw) as { v?: number } & Partial<DiarizationState>;
    if (o.v !== 1 || !o.windower || typeof o.windower.pcm !== 'string' || typeof o.lastChunkUs !== 'number' || !o.linker || !Array.isArray(o.linker.speakers)) return null;
    return { windower: o.windower, lastChunkUs: o.lastChunkUs, linker: { speakers: o.linker.speakers, byLabel: o.linker.byLabel ?? {} } };
  } catch {
    return null;
  }
}

export { DiarizationStage, type DiarizationState, type DiarizationStats } from './diarization-stage';
export { SpeakerLinker, type LinkerState, type LocalSpeaker, type StreamSpeaker } from './speaker-linker';
