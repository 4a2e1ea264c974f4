/**
 * audio: PCM → windows (5 s cores with 1 s overlap) → silence check → Whisper endpoint → owned segments
 * with absolute times and prosody → audio_segments, memory_chunks and one `transcripts` message per row.
 */
import { z } from 'zod';
import { optionsOf } from '../common/options';
import type { StageModule } from '../stage';
import { AudioStage, type AudioState, type SpeechGate } from './audio-stage';
import { sileroSpeechGate } from './speech-gate';
import { prosodyPort } from './prosody-port';

const Options = z.object({
  windowS: z.number().min(1).max(30).default(5),
  overlapS: z.number().min(0).max(5).default(1),
  queueCapacity: z.number().int().min(1).max(256).default(4),
  /** ASR language; null or absent: the endpoint detects it. */
  language: z.string().min(2).max(16).nullable().optional(),
  /** Silero VAD gate: windows without speech are stored as silence and never sent to ASR. */
  vad: z.boolean().default(true),
  /** With diarization in the graph, the longest (media) wait for speaker turns before a segment goes out without one. */
  maxSpeakerWaitS: z.number().min(1).max(120).default(20),
});

/** Loaded once per process, on the first window that needs it. */
let gate: Promise<SpeechGate | null> | null = null;
const lazyGate: SpeechGate = {
  async hasSpeech(pcm, rate) {
    gate ??= sileroSpeechGate();
    const g = await gate;
    return g ? g.hasSpeech(pcm, rate) : true;
  },
};

export const audioStage: StageModule<AudioState> = {
  name: 'audio',
  description: 'speech to text (Whisper endpoint) with word times and prosody',
  // speakers: only when a diarization stage runs in the same graph (segments then carry speaker ids).
  consumes: ['audio', 'speakers'],
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
      waitForSpeakers: ctx.upstream.has('speakers'), maxSpeakerWaitS: o.maxSpeakerWaitS, speechGate: o.vad ? lazyGate : null,
    });
    return {
      async handle(input) {
        if (input.topic === 'audio') await stage.push(input.msg);
        else if (input.topic === 'speakers') await stage.onSpeakers(input.msg);
      },
      // Worker mode: a read is acknowledged once its completed windows are recorded and the rest of its
      // audio is in the handed-over state, so a crash loses no window.
      async handleBatch(inputs) {
        await stage.pushBatchAndWait(inputs.flatMap((i) => (i.topic === 'audio' ? [i.msg] : [])), inputs.flatMap((i) => (i.topic === 'speakers' ? [i.msg] : [])));
      },
      state: () => stage.state(),
      finish: () => stage.flush(),
      stats: () => ({ ...stage.getStats() }),
    };
  },
};

function decodeAudioState(raw: string): AudioState | null {
  try {
    const o = JSON.parse(raw) as { v?: number } & Partial<AudioState>;
    const w = o.windower;
    if (o.v !== 1 || !w || typeof w.pcm !== 'string' || !Number.isSafeInteger(w.bufStart) || typeof o.lastChunkUs !== 'number') return null;
    return {
      windower: w, lastChunkUs: o.lastChunkUs,
      held: Array.isArray(o.held) ? o.held : [], turns: Array.isArray(o.turns) ? o.turns : [],
      speakersUntilUs: typeof o.speakersUntilUs === 'number' ? o.speakersUntilUs : -1,
    };
  } catch {
    return null;
  }
}
