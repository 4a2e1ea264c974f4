/**
 * audio: PCM → windows (5 s cores with 1 s overlap) → silence check → Whisper endpoint → owned segments
 * with absolute times and prosody → audio_segments, memory_chunks and one `transcripts` message per row.
 */
import { z } from 'zod';
import { optionsOf } from '../common/options';
import type { StageModule } from '../stage';
import { AudioStage, type AudioState } from './audio-stage';
import { prosodyPort } from './prosody-port';

const Options = z.object({
  windowS: z.number().min(1).max(30).default(5),
  overlapS: z.number().min(0).max(5).default(1),
  queueCapacity: z.number().int().min(1).max(256).default(4),
  /** ASR language; null or absent: the endpoint detects it. */
  language: z.string().min(2).max(16).nullable().optional(),
});

export const audioStage: StageModule<AudioState> = {
  name: 'audio',
  description: 'speech to text (Whisper endpoint) with word times and prosody',
  consumes: ['audio'],
  produces: ['transcripts'],
  tables: ['audio_segments', 'memory_chunks', 'skips', 'endpoint_calls'],
  endpoint: 'whisper',
  default: true,
  state: { encode: (s) => JSON.stringify({ v: 1, ...s }), decode: decodeAudioState },
  create(ctx) {
    const o = optionsOf('audio', Options, ctx.options);
    if (o.overlapS * 2 >= o.windowS) throw new RangeError(`stages.audio.overlapS (${o.overlapS}) must be less than half of windowS (${o.windowS})`);
    const stage = new AudioStage({
      streamId: ctx.streamId, transcribe: ctx.services.inference, prosody: prosodyPort(), rows: ctx.services.rows, publish: ctx.publish,
      windowS: o.windowS, overlapS: o.overlapS, queueCapacity: o.queueCapacity, language: o.language,
      overflow: ctx.live ? 'drop-oldest' : 'block', state: ctx.state,
    });
    return {
      async handle(input) {
        if (input.topic === 'audio') await stage.push(input.msg);
      },
      // Worker mode: a read is acknowledged once its completed windows are recorded and the rest of its
      // audio is in the handed-over state, so a crash loses no window.
      async handleBatch(inputs) {
        await stage.pushBatchAndWait(inputs.flatMap((i) => (i.topic === 'audio' ? [i.msg] : [])));
      },
      state: () => stage.state(),
      finish: () => stage.flush(),
      stats: () => ({ ...stage.getStats() }),
    };
  },
};

function decodeAudioState(raw: string): AudioState | null {
  try {
    const o = JSON.parse(raw) as { v?: number; windower?: AudioState['windower']; lastChunkUs?: number };
    const w = o.windower;
    if (o.v !== 1 || !w || typeof w.pcm !== 'string' || !Number.isSafeInteger(w.bufStart) || typeof o.lastChunkUs !== 'number') return null;
    return { windower: w, lastChunkUs: o.lastChunkUs };
  } catch {
    return null;
  }
}
