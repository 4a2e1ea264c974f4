/**
 * Diarization stage for one stream: audio windows (default 10 s cores, 1 s overlap, the audio stage's
 * windower) → silence check → diarization endpoint → local turns clipped to the window's core → local
 * speakers linked to stream-wide ids by their embeddings (SpeakerLinker) → speaker_turns rows and one
 * `speakers` message per window. Failures are skip rows and a `skipped` message; every call is an
 * endpoint_calls row. Windows are processed in order (one at a time), so the linker sees them in order.
 */
import { encodeWav, isSilent } from '../../audio';
import { childLogger } from '../../obs/logger';
import type { InferenceClient } from '../../runpod/inference';
import type { SpeakerTurnRow } from '../../store';
import type { AudioMsg, SpeakersMsg } from '../../topics';
import type { OverflowPolicy } from '../common/bounded-queue';
import { endpointCallRow, skipReason } from '../common/outcomes';
import type { RowWriters } from '../common/rows';
import { SerialQueue } from '../common/serial-queue';
import type { Publish } from '../stage';
import { AudioWindower, type AudioWindow, type WindowerState } from '../audio/windowing';
import { SpeakerLinker, type LinkerState, type LocalSpeaker } from './speaker-linker';

export interface DiarizationStageOptions {
  streamId: string;
  diarize: Pick<InferenceClient, 'diarize'>;
  rows: RowWriters;
  publish: Publish;
  windowS: number;
  overlapS: number;
  /** Cosine similarity at or above which a window's speaker is an already known stream speaker. */
  linkThreshold: number;
  queueCapacity?: number;
  overflow?: OverflowPolicy;
  state?: DiarizationState | null;
}

export interface DiarizationState {
  windower: WindowerState;
  lastChunkUs: number;
  linker: LinkerState;
}

export interface DiarizationStats {
  windows: number;
  silentWindows: number;
  sentWindows: number;
  skippedWindows: number;
  turns: number;
  speakers: number;
}

export class DiarizationStage {
  private readonly log;
  private readonly windower: AudioWindower;
  private readonly linker: SpeakerLinker;
  private readonly queue: SerialQueue<AudioWindow>;
  private readonly stats: DiarizationStats = { windows: 0, silentWindows: 0, sentWindows: 0, skippedWindows: 0, turns: 0, speakers: 0 };
  private lastChunkUs = -1;

  constructor(private readonly o: DiarizationStageOptions) {
    this.log = childLogger({ stage: 'diarization', streamId: o.streamId });
    this.windower = new AudioWindower({ windowS: o.windowS, overlapS: o.overlapS });
    this.linker = new SpeakerLinker(o.linkThreshold, o.state?.linker);
    if (o.state) {
      this.windower.restore(o.state.windower);
      this.lastChunkUs = o.state.lastChunkUs;
    }
    this.queue = new SerialQueue<AudioWindow>(o.queueCapacity ?? 4, o.overflow ?? 'block',
      (w) => this.process(w),
      (err) => this.log.error({ err }, 'diarization window failed'),
      (w) => { this.recordSkip(w, 'queue_full', `diarization queue capacity ${this.queue.capacity} reached; oldest window dropped`).catch((err) => this.log.error({ err }, 'could not record a dropped window')); });
  }

  async push(chunk: AudioMsg): Promise<void> {
    if (chunk.ptsUs <= this.lastChunkUs) return;
    this.lastChunkUs = chunk.ptsUs;
    for (const w of this.windower.push(chunk)) { this.stats.windows++; await this.queue.push(w); }
  }

  async pushBatchAndWait(chunks: AudioMsg[]): Promise<void> {
    for (const c of chunks) await this.push(c);
    await this.queue.idle();
  }

  async flush(): Promise<void> {
    for (const w of this.windower.flush()) { this.stats.windows++; await this.queue.push(w); }
    await this.queue.idle();
  }

  state(): DiarizationState {
    return { windower: this.windower.snapshot(), lastChunkUs: this.lastChunkUs, linker: this.linker.state() };
  }

  getStats(): DiarizationStats { return { ...this.stats, speakers: this.linker.count }; }

  private async process(w: AudioWindow): Promise<void> {
    const ts = (us: number) => w.wallOffsetMs + us / 1000;
    if (isSilent(w.pcm)) {
      this.stats.silentWindows++;
      await this.o.publish('speakers', this.message(w, [], null, null));
      return;
    }
    const started = Date.now();
    let reply;
    try {
      this.stats.sentWindows++;
      reply = await this.o.diarize.diarize(encodeWav(w.pcm, { sampleRate: w.sampleRate }), { streamId: w.streamId });
      await this.o.rows.recordEndpointCall(endpointCallRow({ streamId: w.streamId, endpoint: 'diarization', ptsUs: w.coreStartUs, ok: true, ms: Date.now() - started, billing: reply.billing }));
    } catch (err) {
      const { reason, detail } = skipReason(err);
      this.stats.skippedWindows++;
      this.log.warn({ reason, detail }, 'diarization window skipped');
      await this.o.rows.recordEndpointCall(endpointCallRow({ streamId: w.streamId, endpoint: 'diarization', ptsUs: w.coreStartUs, ok: false, error: detail, ms: Date.now() - started }));
      await this.recordSkip(w, reason, detail);
      return;
    }
    const out = reply.output;
    // Local speakers, weighted by their speech in the whole sent window (the overlap helps the linking).
    const dur = new Map<string, number>();
    for (const s of out.segments) dur.set(s.speaker, (dur.get(s.speaker) ?? 0) + Math.max(0, s.end - s.start));
    const vectors = new Map((out.embeddings ?? []).map((e) => [e.speaker, e.vector]));
    const local: LocalSpeaker[] = [...dur].map(([label, durationS]) => ({ label, durationS, vector: vectors.get(label) ?? null }));
    const links = this.linker.link(local);
    // Turns clipped to the core (the overlaps belong to the neighbouring windows), so the rows tile the stream.
    const rows: SpeakerTurnRow[] = [];
    for (const s of [...out.segments].sort((a, b) => a.start - b.start)) {
      const startUs = Math.max(w.coreStartUs, w.sendStartUs + Math.round(s.start * 1e6));
      const endUs = Math.min(w.final ? w.sendEndUs : w.coreEndUs, w.sendStartUs + Math.round(s.end * 1e6));
      if (endUs <= startUs) continue;
      const link = links.get(s.speaker)!;
      rows.push({ streamId: w.streamId, ptsUs: startUs, ts: ts(startUs), startUs, endUs, speakerId: link.id, localLabel: s.speaker, similarity: link.similarity, model: reply.model });
    }
    this.stats.turns += rows.length;
    if (rows.length) {
      if (!this.o.rows.writeSpeakerTurns) throw new Error('this store has no speaker_turns writer');
      await this.o.rows.writeSpeakerTurns(rows);
    }
    await this.o.publish('speakers', this.message(w, rows.map((r) => ({ speakerId: r.speakerId, startUs: r.startUs, endUs: r.endUs })), reply.model, null));
  }

  private message(w: AudioWindow, turns: SpeakersMsg['turns'], model: string | null, skipped: string | null): SpeakersMsg {
    const endUs = w.final ? w.sendEndUs : w.coreEndUs;
    return { streamId: w.streamId, ptsUs: w.coreStartUs, ts: w.wallOffsetMs + w.coreStartUs / 1000, startUs: w.coreStartUs, endUs, turns, skipped, model };
  }

  private async recordSkip(w: AudioWindow, reason: string, detail: string): Promise<void> {
    const ts = w.wallOffsetMs + w.coreStartUs / 1000;
    await this.o.rows.recordSkip({ streamId: w.streamId, stage: 'diarization', ptsUs: w.coreStartUs, endUs: w.coreEndUs, ts, reason, detail });
    await this.o.publish('speakers', this.message(w, [], null, reason));
  }
}
