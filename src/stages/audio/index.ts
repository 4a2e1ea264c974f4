/**
 * Audio stage for one stream: windows (5 s cores with overlap) → silence check → WAV → ASR endpoint →
 * owned segments with absolute times + prosody → audio_segments, memory_chunks, `transcripts:<streamId>`.
 * Silent windows are stored as `is_silence` rows and never sent. Failed windows are recorded as skips.
 * Windows wait in a bounded queue: files block ingestion when ASR is slower than real time; live sources
 * drop the oldest window (counted and recorded).
 */
import type { AudioChunk } from '../../types';
import { childLogger } from '../../obs/logger';
import type { OverflowPolicy } from '../bounded-queue';
import { SerialQueue } from '../serial-queue';
import { classifyFailure } from '../failures';
import type { AudioSegmentRow, ProsodyPort, Publisher, ResultSink, TranscribePort } from '../ports';
import { AudioWindower, type AudioWindow, type WindowingOptions } from './windowing';
import { ownedSegments } from './segments';

export interface AudioStageOptions extends WindowingOptions {
  streamId: string;
  transcribe: TranscribePort;
  prosody: ProsodyPort;
  sink: ResultSink;
  publisher: Publisher;
  queueCapacity?: number;
  overflow?: OverflowPolicy;
  /** Called with a window's core end once it is transcribed, found silent, skipped or dropped. */
  onProgress?: (uptoUs: number) => void;
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
}

export class AudioStage {
  private readonly log;
  private readonly windower: AudioWindower;
  private readonly queue: SerialQueue<AudioWindow>;
  private readonly stats: AudioStats;

  constructor(private readonly opts: AudioStageOptions) {
    this.log = childLogger({ stage: 'audio', streamId: opts.streamId });
    this.windower = new AudioWindower(opts);
    const capacity = opts.queueCapacity ?? 4;
    this.queue = new SerialQueue<AudioWindow>(capacity, opts.overflow ?? 'block',
      (w) => this.process(w).finally(() => opts.onProgress?.(w.coreEndUs)),
      (err) => this.log.error({ err }, 'audio window failed'),
      (w) => { this.onDropped(w); opts.onProgress?.(w.coreEndUs); });
    this.stats = { windows: 0, silentWindows: 0, sentWindows: 0, skippedWindows: 0, droppedWindows: 0, segments: 0, words: 0, queueHighWater: 0, queueCapacity: capacity };
  }

  async push(chunk: AudioChunk): Promise<void> {
    for (const w of this.windower.push(chunk)) await this.enqueue(w);
  }

  /** End of stream: processes the last partial window and waits for everything queued. */
  async flush(): Promise<void> {
    for (const w of this.windower.flush()) await this.enqueue(w);
    await this.queue.idle();
  }

  getStats(): AudioStats {
    return { ...this.stats, droppedWindows: this.queue.dropped, queueHighWater: this.queue.highWater };
  }

  private async enqueue(w: AudioWindow): Promise<void> {
    this.stats.windows++;
    await this.queue.push(w);
  }

  private async process(w: AudioWindow): Promise<void> {
    const ts = (us: number) => w.wallOffsetMs + us / 1000;
    const core = corePcm(w);
    if (this.opts.prosody.isSilent(core, w.sampleRate)) {
      this.stats.silentWindows++;
      await this.opts.sink.writeAudioSegments([{
        streamId: w.streamId, ptsUs: w.coreStartUs, ts: ts(w.coreStartUs), startUs: w.coreStartUs, endUs: w.coreEndUs,
        text: '', confidence: null, speakerId: null, prosody: this.opts.prosody.analyze(core, w.sampleRate), isSilence: true,
      }]);
      return;
    }
    const started = Date.now();
    let reply;
    try {
      this.stats.sentWindows++;
      reply = await this.opts.transcribe.transcribe(w.streamId, w.pcm, w.sampleRate);
      await this.opts.sink.recordEndpointCall({ streamId: w.streamId, endpoint: 'whisper', ptsUs: w.coreStartUs, ok: true, ms: Date.now() - started, billing: reply.billing });
    } catch (err) {
      const { reason, detail } = classifyFailure(err);
      this.stats.skippedWindows++;
      this.log.warn({ reason, detail }, 'audio window skipped');
      await this.opts.sink.recordEndpointCall({ streamId: w.streamId, endpoint: 'whisper', ptsUs: w.coreStartUs, ok: false, error: detail, ms: Date.now() - started });
      await this.opts.sink.recordSkip({ streamId: w.streamId, stage: 'audio', ptsUs: w.coreStartUs, endUs: w.coreEndUs, ts: ts(w.coreStartUs), reason, detail });
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
    await this.opts.sink.writeAudioSegments(rows);
    const first = rows[0];
    const last = rows[rows.length - 1];
    await this.opts.sink.writeMemoryChunks([{
      streamId: w.streamId, ptsUs: first.startUs, ts: first.ts, startUs: first.startUs, endUs: last.endUs,
      text: rows.map((r) => r.text).join(' '), source: 'transcript',
    }]);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      await this.opts.publisher.publish('transcripts', w.streamId, {
        stream_id: r.streamId, pts_us: r.ptsUs, ts: r.ts, start_us: r.startUs, end_us: r.endUs, text: r.text,
        confidence: r.confidence, prosody: r.prosody, words: segments[i].words.map((x) => ({ word: x.word, start_us: x.startUs, end_us: x.endUs })),
        model: reply.model,
      });
    }
  }

  private onDropped(w: AudioWindow): void {
    this.opts.sink.recordSkip({
      streamId: w.streamId, stage: 'audio', ptsUs: w.coreStartUs, endUs: w.coreEndUs, ts: w.wallOffsetMs + w.coreStartUs / 1000,
      reason: 'queue_full', detail: `audio queue capacity ${this.queue.capacity} reached; oldest window dropped`,
    }).catch((err) => this.log.error({ err }, 'could not record dropped audio window'));
  }
}

function corePcm(w: AudioWindow): Int16Array { return slicePcm(w, w.coreStartUs, w.coreEndUs); }

function slicePcm(w: AudioWindow, startUs: number, endUs: number): Int16Array {
  const at = (us: number) => Math.min(w.pcm.length, Math.max(0, Math.round(((us - w.sendStartUs) * w.sampleRate) / 1e6)));
  return w.pcm.subarray(at(startUs), Math.max(at(startUs), at(endUs)));
}
