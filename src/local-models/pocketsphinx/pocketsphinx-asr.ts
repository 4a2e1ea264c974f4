import os from 'node:os';
import { VideoAgentError } from '../../errors';
import { decodeBase64 } from '../media/base64';
import { Semaphore } from '../runtime/semaphore';
import { encodeWav } from '../../audio/wav';
import { requireObject } from '../input-guard';
import type { JobContext, LocalModel } from '../types';
import { writeSpeechWav } from './audio-normalize';
import { EN_US_MODEL_DIR, hasEnUsModel, recognize, type RecognizedWord, type Utterance } from './pocketsphinx';
import { formatTranscript, type TranscriptionFormat } from './transcript-format';

export interface PocketsphinxAsrOptions {
  /** Concurrent recognizer processes (default: cores − 1, at least 1). */
  maxProcesses?: number;
}

export interface WhisperSegment {
  id: number;
  seek: number;
  start: number;
  end: number;
  text: string;
  avg_logprob: number;
}

/** RunPod worker-faster_whisper's output shape (runpod-handlers/contracts/whisper.output.schema.json). */
export interface WhisperOutput {
  segments: WhisperSegment[];
  detected_language: string;
  transcription: string;
  translation: string | null;
  device: string;
  model: string;
  word_timestamps?: RecognizedWord[];
}

const FORMATS: readonly TranscriptionFormat[] = ['plain_text', 'formatted_text', 'srt', 'vtt'];

/** Mean natural log of the word posteriors, the closest pocketsphinx analogue of whisper's avg_logprob. */
function avgLogprob(u: Utterance): number {
  const sum = u.words.reduce((acc, w) => acc + Math.log(Math.max(w.probability, 1e-6)), 0);
  return Math.round((sum / u.words.length) * 1e4) / 1e4;
}

/**
 * `whisper` endpoint emulated with Debian's pocketsphinx (en-us acoustic model + language model): English
 * only, far weaker than Whisper (docs/architecture.md: fine on flite speech, ~37% WER on LibriVox), but real ASR with
 * word timings in the same output schema, so the pipeline downstream is exercised end to end.
 */
export class PocketsphinxAsr implements LocalModel {
  readonly model = 'pocketsphinx-en-us (local CPU)';
  private readonly processes: Semaphore;

  constructor(opts: PocketsphinxAsrOptions = {}) {
    this.processes = new Semaphore(opts.maxProcesses ?? Math.max(1, os.cpus().length - 1));
  }

  /** Checks the recognizer and its model are installed by transcribing 0.3 s of silence. */
  async init(): Promise<void> {
    if (!hasEnUsModel()) {
      throw new VideoAgentError('E_MODEL_MISSING', `pocketsphinx en-us model not found in ${EN_US_MODEL_DIR} (apt-get install pocketsphinx-en-us)`);
    }
    const file = await writeSpeechWav(encodeWav(new Int16Array(4800), { sampleRate: 16000 }));
    try { await recognize(file.path); } finally { await file.dispose(); }
  }

  async handle(input: unknown, ctx: JobContext): Promise<WhisperOutput> {
    const obj = requireObject(input, 'whisper');
    if (obj.audio !== undefined && obj.audio_base64 === undefined) {
      throw new VideoAgentError('E_BAD_INPUT', 'audio: URL inputs are not fetched by the local worker (it never downloads); send audio_base64');
    }
    const format = (obj.transcription ?? 'plain_text') as TranscriptionFormat;
    if (!FORMATS.includes(format)) throw new VideoAgentError('E_BAD_INPUT', `transcription: expected one of ${FORMATS.join(', ')}`);
    const language = obj.language;
    if (typeof language === 'string' && language !== '' && !language.toLowerCase().startsWith('en')) {
      throw new VideoAgentError('E_UNSUPPORTED_LANGUAGE', `language "${language}": the local pocketsphinx worker recognises English only`);
    }
    const audio = decodeBase64(obj.audio_base64, 'audio_base64');

    const utterances = await this.processes.use(async () => {
      const file = await writeSpeechWav(audio, ctx.signal);
      try { return await recognize(file.path, ctx.signal); } finally { await file.dispose(); }
    });

    const segments: WhisperSegment[] = utterances.map((u, id) => ({
      id,
      seek: 0,
      start: u.words[0]!.start,
      end: u.words[u.words.length - 1]!.end,
      text: ' ' + u.words.map((w) => w.word).join(' '), // whisper's segments start with a space
      avg_logprob: avgLogprob(u),
    }));
    const output: WhisperOutput = {
      segments,
      detected_language: 'en',
      transcription: formatTranscript(segments, format),
      // Translation to English of English speech is the transcript itself.
      translation: obj.translate === true ? formatTranscript(segments, 'plain_text') : null,
      device: 'cpu',
      model: this.model,
    };
    if (obj.word_timestamps === true) output.word_timestamps = utterances.flatMap((u) => u.words);
    return output;
  }

  async close(): Promise<void> {
    // One process per job, killed through the job's signal: nothing long-lived to release.
  }
}
