/**
 * audio: PCM → windows (5 s cores with 1 s overlap) → silence check → Whisper endpoint → owned segments
 * with absolute times and prosody → audio_segments, memory_chunks and one `transcripts` message per row.
 */
import { z } from 'zod';
import { optionsOf } from '../common/options';
import type { StageModule } from '../stage';
import { AudioStage } from './audio-stage';
import { prosodyPort } from './prosody-port';

const Options = z.object({
  windowS: z.number().min(1).max(30).default(5),
  overlapS: z.number().min(0).max(5).default(1),
  queueCapacity: z.number().int().min(1).max(256).default(4),
  /** ASR language; null or absent: the endpoint detects it. */
  language: z.string().min(2).max(16).nullable().optional(),
});

export const audioStage: StageModule = {
  name: 'audio',
  description: 'speech to text (Whisper endpoint) with word times and prosody',
  consumes: ['audio'],
  produces: ['transcripts'],
  tables: ['audio_segments', 'memory_chunks', 'skips', 'endpoint_calls'],
  endpoint: 'whisper',
  default: true,
  create(ctx) {
    const o = optionsOf('audio', Options, ctx.options);
    if (o.overlapS * 2 >= o.windowS) throw new RangeError(`stages.audio.overlapS (${o.overlapS}) must be less than half of windowS (${o.windowS})`);
    const stage = new AudioStage({
      streamId: ctx.streamId, transcribe: ctx.services.inference, prosody: prosodyPort(), rows: ctx.services.rows, publish: ctx.publish,
      windowS: o.windowS, overlapS: o.overlapS, queueCapacity: o.queueCapacity, language: o.language,
      overflow: ctx.live ? 'drop-oldest' : 'block',
    });
    return {
      async handle(input) {
        if (input.topic === 'audio') await stage.push(input.msg);
      },
      finish: () => stage.flush(),
      stats: () => ({ ...stage.getStats() }),
    };
  },
};
