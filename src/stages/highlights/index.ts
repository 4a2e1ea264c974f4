/**
 * highlights: fuses what every other stage found (VLM clip-worthiness, loudness and pitch against the
 * stream's baseline, spoken keywords, emotion, new tracks, crowd peaks, fast motion, scene cuts) into one
 * score per second and keeps the top moments of each time window, each with its per-signal contributions.
 * No endpoint: it runs on the results the graph already paid for.
 */
import { z } from 'zod';
import { DEFAULT_SELECT, DEFAULT_WEIGHTS, SIGNALS, type Weights } from '../../highlights';
import { optionsOf } from '../common/options';
import type { StageModule } from '../stage';
import { DEFAULT_KEYWORDS } from '../vlm/triggers';
import { HighlightsStage, type HighlightsState } from './highlights-stage';

const weight = z.number().min(0).max(100);
const Options = z.object({
  /** Relative weight per signal (missing ones keep their default; 0 switches a signal off). */
  weights: z.object(Object.fromEntries(SIGNALS.map((s) => [s, weight.optional()])) as Record<(typeof SIGNALS)[number], z.ZodOptional<typeof weight>>).strict().default({}),
  /** Highlights kept per selection window. */
  topN: z.number().int().min(1).max(100).default(5),
  windowS: z.number().min(10).max(86_400).default(300),
  minGapS: z.number().min(0).max(3600).default(DEFAULT_SELECT.minGapS),
  preS: z.number().min(0).max(120).default(DEFAULT_SELECT.preS),
  postS: z.number().min(0).max(120).default(DEFAULT_SELECT.postS),
  minScore: z.number().min(0).max(1).default(DEFAULT_SELECT.minScore),
  lateS: z.number().min(0).max(600).default(30),
  keywords: z.array(z.string().min(1).max(64)).max(200).default(DEFAULT_KEYWORDS),
  crowdClasses: z.array(z.string().min(1)).max(80).default(['person']),
  calmEmotions: z.array(z.string().min(1)).max(20).default(['neutral']),
}).strict();

export const highlightsStage: StageModule<HighlightsState> = {
  name: 'highlights',
  description: 'top moments per time window from every signal at once, each with why it was chosen',
  consumes: ['frames', 'audio', 'detections', 'transcripts', 'emotions', 'events'],
  produces: ['highlights'],
  tables: ['highlights'],
  endpoint: null,
  default: true,
  options: Options,
  state: { encode: (s) => JSON.stringify({ v: 1, ...s }), decode: decodeState },
  create(ctx) {
    const o = optionsOf('highlights', Options, ctx.options);
    const weights: Weights = { ...DEFAULT_WEIGHTS };
    for (const s of SIGNALS) if (o.weights[s] !== undefined) weights[s] = o.weights[s]!;
    if (SIGNALS.every((s) => weights[s] === 0)) throw new RangeError('stages.highlights.weights: at least one weight must be above 0');
    const stage = new HighlightsStage({
      streamId: ctx.streamId, rows: ctx.services.rows, publish: ctx.publish, weights,
      select: { topN: o.topN, minGapS: o.minGapS, preS: o.preS, postS: o.postS, minScore: o.minScore },
      windowS: o.windowS, lateS: o.lateS, live: ctx.live,
      extractor: { keywords: o.keywords, crowdClasses: o.crowdClasses, calmEmotions: o.calmEmotions },
      state: ctx.state,
    });
    return {
      handle: (input) => stage.handle(input),
      state: () => stage.state(),
      finish: () => stage.finish(),
      stats: () => ({ ...stage.getStats() }),
    };
  },
};

function decodeState(raw: string): HighlightsState | null {
  try {
    const o = JSON.parse(raw) as Partial<HighlightsState> & { v?: number };
    if (o.v !== 1 || !Array.isArray(o.fuser) || !o.extractor || typeof o.closedUntilUs !== 'number' || typeof o.latestUs !== 'number') return null;
    return { fuser: o.fuser, extractor: o.extractor, closedUntilUs: o.closedUntilUs, lastPeaksUs: o.lastPeaksUs ?? [], latestUs: o.latestUs, wallOffsetMs: o.wallOffsetMs ?? null };
  } catch {
    return null;
  }
}

export { HighlightsStage, type HighlightsStageOptions, type HighlightsState, type HighlightsStats } from './highlights-stage';
export { SignalExtractor } from './signal-extractor';
