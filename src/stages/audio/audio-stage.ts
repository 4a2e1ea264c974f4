/**
 * Audio stage for one stream: windows (5 s cores with overlap) → silence check → WAV → ASR endpoint →
 * owned segments with absolute times + prosody → audio_segments, memory_chunks, `transcripts:<streamId>`.
 * Silent windows are stored as `is_silence` rows and never sent. Failed windows are recorded as skips.
 * Windows wait in a bounded queue: files block ingestion when ASR is slower than real time; live sources
 * drop the oldest window (counted and recorded).
 *
 * With a diarization stage in the same graph (`waitForSpeakers`), results are held in order until the
 * `speakers` progress covers them, then each segment gets the speaker that overlaps it most: the audio
 * stage stays the one writer of audio_segments. A VAD gate (Silero, when installed) keeps windows without
 * speech from the ASR endpoint.
 */
import { encodeWav } from '../../audio';
import { childLogger } from '../../obs/logger';
import type { TranscribePort } from '../../runpod/inference';
import type { AudioSegmentRow, MemoryChunkRow } from '../../store';
import type { AudioMsg, ProsodySummary, SpeakerTurn, SpeakersMsg, TranscriptMsg, TranscriptWord } from '../../topics';
import type { OverflowPolicy } from '../common/bounded-queue';
import { endpointCallRow, skipReason } from '../common/outcomes';
import type { RowWriters } from '../common/rows';
import { SerialQueue } from '../common/serial-queue';
import type { Publish } from '../stage';
import type { ProsodyPort } from './prosody-port';
import { AudioWindower, type AudioWindow, type WindowerState, type WindowingOptions } from './windowing';
import { ownedSegments } from './segments';

export interface AudioStageOptions extends WindowingOptions {
  streamId: string;
  transcribe: TranscribePort;
  prosody: ProsodyPort;
  rows: RowWriters;
  publish: Publish;
  /** ASR language (undefined: the endpoint detects it). */
  language?: string | null;
  /** Handed over by the previous holder of the stream (worker mode). */
  state?: AudioState | null;
  queueCapacity?: number;
  overflow?: OverflowPolicy;
  /** A diarization stage of this graph publishes `speakers`: hold results until its turns cover them. */
  waitForSpeakers?: boolean;
  /** Live bound on that wait: results older than this (media seconds behind the audio) go out without a speaker. */
  maxSpeakerWaitS?: number;
  /** Speech detector; a window it finds without speech is stored as silence and never sent. */
  speechGate?: SpeechGate | null;
}

export interface SpeechGate {
  hasSpeech(pcm: Int16Array, sampleRate: number): Promise<boolean>;
}

/** A window's results waiting for the speaker turns that cover them (worker mode hands them over). */
export interface HeldOutput {
  endUs: number;
  rows: AudioSegmentRow[];
  words: TranscriptWord[][];
  model: string | null;
  memory: MemoryChunkRow | null;
  /** A skipped window's message (its skip row is written at once). */
  skip: TranscriptMsg | null;
}

export interface AudioStats {
  windows: number;
  silentWindows: number;
  sentWindows: number;
  skippedWindows: number;
  droppedWindows: number;
  segments: number;
  words: number;
  queueHighWater: number;
  queueCapacity: number;
  /** Windows the VAD found without speech (counted in silentWindows too). */
  gatedWindows: number;
  segmentsWithSpeaker: number;
}

/** The stage's per-stream state: the windower's buffered audio and the pts of the last chunk it took. */
export interface AudioState {
  windower: WindowerState;
  lastChunkUs: number;
  held?: HeldOutput[];
  turns?: SpeakerTurn[];
  speakersUntilUs?: number;
}

export class AudioStage {
  private readonly log;
  private readonly windower: AudioWindower;
  private readonly queue: SerialQueue<AudioWindow>;
  private readonly stats: AudioStats;
  /** The windower only moves forward: a chunk at or before this pts (a redelivery) was already taken. */
  private lastChunkUs = -1;
  private held: HeldOutput[] = [];
  private turns: SpeakerTurn[] = [];
  private speakersUntilUs = -1;
  /** Releases run one at a time, in order (windows and speakers messages arrive concurrently). */
  private releasing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: AudioStageOptions) {
    this.log = childLogger({ stage: 'audio', streamId: opts.streamId });
    this.windower = new AudioWindower(opts);
    if (opts.state) {
      this.windower.restore(opts.state.windower);
      this.lastChunkUs = opts.state.lastChunkUs;
      this.held = opts.state.held ?? [];
      this.turns = opts.state.turns ?? [];
      this.speakersUntilUs = opts.state.speakersUntilUs ?? -1;
    }
    const capacity = opts.queueCapacity ?? 4;
    this.queue = new SerialQueue<AudioWindow>(capacity, opts.overflow ?? 'block',
      (w) => this.process(w),
      (err) => this.log.error({ err }, 'audio window failed'),
      (w) => this.onDropped(w));
    this.stats = { windows: 0, silentWindows: 0, sentWindows: 0, skippedWindows: 0, droppedWindows: 0, segments: 0, words: 0, queueHighWater: 0, queueCapacity: capacity, gatedWindows: 0, segmentsWithSpeaker: 0 };
  }

  async push(chunk: AudioMsg): Promise<void> {
    if (chunk.ptsUs <= this.lastChunkUs) return;
    this.lastChunkUs = chunk.ptsUs;
    for (const w of this.windower.push(chunk)) await this.enqueue(w);
  }

  /**
   * A bus batch: resolves once every window these chunks completed has its rows (or skip) recorded, so the
   * caller may save `state()` (the audio still waiting for its window) and then acknowledge the chunks.
   */
  async pushBatchAndWait(chunks: AudioMsg[], speakers: SpeakersMsg[] = []): Promise<void> {
    // Awaited: a failed write must fail the batch (so it is redelivered), never become an unhandled rejection.
    for (const m of speakers) await this.onSpeakers(m);
    for (const c of chunks) await this.push(c);
    await this.queue.idle();
    await this.releasing;
  }

  /** Speaker turns from the diarization stage: progress, and the turns held results are matched against. */
  onSpeakers(m: SpeakersMsg): Promise<void> {
    if (!this.opts.waitForSpeakers) return Promise.resolve();
    this.turns.push(...m.turns);
    if (m.endUs > this.speakersUntilUs) this.speakersUntilUs = m.endUs;
    return this.release(false);
  }

  state(): AudioState {
    return { windower: this.windower.snapshot(), lastChunkUs: this.lastChunkUs, held: this.held, turns: this.turns, speakersUntilUs: this.speakersUntilUs };
  }

  /** End of stream: processes the last partial window and waits for everything queued. */
  async flush(): Promise<void> {
    for (const w of this.windower.flush()) await this.enqueue(w);
    await this.queue.idle();
    await this.release(true);
  }

  getStats(): AudioStats {
    return { ...this.stats, droppedWindows: this.queue.dropped, queueHighWater: this.queue.highWater };
  }

  private emit(out: HeldOutput): Promise<void> {
    this.held.push(out);
    return this.release(false);
  }

  /** Writes and publishes held results, in order, as far as the speaker turns cover them (all when `all`). */
  private release(all: boolean): Promise<void> {
    const run = this.releasing.then(async () => {
      const wait = this.opts.waitForSpeakers && !all;
      const boundUs = (this.opts.maxSpeakerWaitS ?? 20) * 1e6;
      while (this.held.length) {
        const h = this.held[0]!;
        if (wait && h.endUs > this.speakersUntilUs && this.lastChunkUs - h.endUs < boundUs) break;
        if (this.opts.waitForSpeakers) for (const r of h.rows) if (!r.isSilence) r.speakerId = dominantSpeaker(this.turns, r.startUs, r.endUs);
        await this.write(h);
        this.held.shift();
        const keepFromUs = h.endUs - 30e6;
        if (this.turns.length > 64) this.turns = this.turns.filter((t) => t.endUs >= keepFromUs);
      }
    });
    this.releasing = run.catch((err) => this.log.error({ err }, 'audio results could not be written'));
    return run;
  }

  private async write(h: HeldOutput): Promise<void> {
    if (h.skip) { await this.opts.publish('transcripts', h.skip); return; }
    this.stats.segmentsWithSpeaker += h.rows.filter((r) => r.speakerId).length;
    if (h.rows.length) await this.opts.rows.writeAudioSegments(h.rows);
    if (h.memory) await this.opts.rows.writeMemoryChunks([h.memory]);
    for (let i = 0; i < h.rows.length; i++) await this.opts.publish('transcripts', message(h.rows[i]!, h.words[i] ?? [], h.model, null));
  }

  private async enqueue(w: AudioWindow): Promise<void> {
    this.stats.windows++;
    await this.queue.push(w);
  }

  private async process(w: AudioWindow): Promise<void> {
    const ts = (us: number) => w.wallOffsetMs + us / 1000;
    const core = corePcm(w);
    const energySilent = this.opts.prosody.isSilent(core, w.sampleRate);
    const gated = !energySilent && this.opts.speechGate ? !(await this.opts.speechGate.hasSpeech(w.pcm, w.sampleRate).catch(() => true)) : false;
    if (energySilent || gated) {
      this.stats.silentWindows++;
      if (gated) this.stats.gatedWindows++;
      const row: AudioSegmentRow = {
        streamId: w.streamId, ptsUs: w.coreStartUs, ts: ts(w.coreStartUs), startUs: w.coreStartUs, endUs: w.coreEndUs,
        text: '', confidence: null, speakerId: null, prosody: this.opts.prosody.analyze(core, w.sampleRate), isSilence: true,
      };
      await this.emit({ endUs: w.coreEndUs, rows: [row], words: [[]], model: null, memory: null, skip: null });
      return;
    }
    const started = Date.now();
    let reply;
    try {
      this.stats.sentWindows++;
      const wav = encodeWav(w.pcm, { sampleRate: w.sampleRate });
      reply = await this.opts.transcribe.transcribe(wav, { streamId: w.streamId, ...(this.opts.language !== undefined ? { language: this.opts.language } : {}) });
      await this.opts.rows.recordEndpointCall(endpointCallRow({ streamId: w.streamId, endpoint: 'whisper', ptsUs: w.coreStartUs, ok: true, ms: Date.now() - started, billing: reply.billing }));
    } catch (err) {
      const { reason, detail } = skipReason(err);
      this.stats.skippedWindows++;
      this.log.warn({ reason, detail }, 'audio window skipped');
      await this.opts.rows.recordEndpointCall(endpointCallRow({ streamId: w.streamId, endpoint: 'whisper', ptsUs: w.coreStartUs, ok: false, error: detail, ms: Date.now() - started }));
      await this.recordSkip(w, reason, detail);
      return;
    }
    const segments = ownedSegments(w, reply);
    if (!segments.length) return;
    const rows: AudioSegmentRow[] = segments.map((s) => ({
      streamId: w.streamId, ptsUs: s.startUs, ts: ts(s.startUs), startUs: s.startUs, endUs: s.endUs,
      text: s.text, confidence: s.confidence, speakerId: null,
      prosody: this.opts.prosody.analyze(slicePcm(w, s.startUs, s.endUs), w.sampleRate), isSilence: false,
    }));
    this.stats.segments += rows.length;
    this.stats.words += segments.reduce((n, s) => n + (s.words.length || s.text.split(/\s+/).length), 0);
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const memory: MemoryChunkRow = {
      streamId: w.streamId, ptsUs: first.startUs, ts: first.ts, startUs: first.startUs, endUs: last.endUs,
      text: rows.map((r) => r.text).join(' '), kind: 'transcript',
    };
    const words = segments.map((sg) => sg.words.map((x) => ({ word: x.word, startUs: x.startUs, endUs: x.endUs })));
    await this.emit({ endUs: Math.max(last.endUs, w.coreEndUs), rows, words, model: reply.model, memory, skip: null });
  }

  private onDropped(w: AudioWindow): void {
    this.recordSkip(w, 'queue_full', `audio queue capacity ${this.queue.capacity} reached; oldest window dropped`)
      .catch((err) => this.log.error({ err }, 'could not record dropped audio window'));
  }

  /** The skip row, then a `skipped` transcript message so consumers know the window is accounted for. */
  private async recordSkip(w: AudioWindow, reason: string, detail: string): Promise<void> {
    const ts = w.wallOffsetMs + w.coreStartUs / 1000;
    await this.opts.rows.recordSkip({ streamId: w.streamId, stage: 'audio', ptsUs: w.coreStartUs, endUs: w.coreEndUs, ts, reason, detail });
    await this.emit({ endUs: w.coreEndUs, rows: [], words: [], model: null, memory: null, skip: {
      streamId: w.streamId, ptsUs: w.coreStartUs, ts, startUs: w.coreStartUs, endUs: w.coreEndUs, text: '', confidence: null,
      isSilence: false, speakerId: null, prosody: null, words: [], model: null, skipped: reason,
    } });
  }
}

/** The speaker whose turns overlap [startUs, endUs) the most; null when none does. */
export function dominantSpeaker(turns: readonly SpeakerTurn[], startUs: number, endUs: number): string | null {
  const overlap = new Map<string, number>();
  for (const t of turns) {
    const o = Math.min(endUs, t.endUs) - Math.max(startUs, t.startUs);
    if (o > 0) overlap.set(t.speakerId, (overlap.get(t.speakerId) ?? 0) + o);
  }
  let best: string | null = null;
  let bestUs = 0;
  for (const [id, us] of overlap) if (us > bestUs) { best = id; bestUs = us; }
  return best;
}

function message(r: AudioSegmentRow, words: { word: string; startUs: number; endUs: number }[], model: string | null, skipped: string | null): TranscriptMsg {
  return {
    streamId: r.streamId, ptsUs: r.ptsUs, ts: r.ts, startUs: r.startUs, endUs: r.endUs, text: r.text, confidence: r.confidence ?? null,
    isSilence: r.isSilence ?? false, speakerId: r.speakerId ?? null, prosody: (r.prosody as ProsodySummary | null | undefined) ?? null,
    words: words.map((x) => ({ word: x.word, startUs: x.startUs, endUs: x.endUs })), model, skipped,
  };
}

function corePcm(w: AudioWindow): Int16Array { return slicePcm(w, w.coreStartUs, w.coreEndUs); }

function slicePcm(w: AudioWindow, startUs: number, endUs: number): Int16Array {
  const at = (us: number) => Math.min(w.pcm.length, Math.max(0, Math.round(((us - w.sendStartUs) * w.sampleRate) / 1e6)));
  return w.pcm.subarray(at(startUs), Math.max(at(startUs), at(endUs)));
}
