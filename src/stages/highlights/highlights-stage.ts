/**
 * Highlights stage for one stream: every signal it hears about becomes per-second values in the fuser
 * (SignalExtractor); the stream is cut into selection windows of `windowS` media seconds, and a window is
 * closed — its top-N moments chosen, written as highlights rows and published — once every input has
 * moved `lateS` past its end (live sources; the VLM's events arrive seconds late) or at end of stream.
 * Signals that arrive for a closed window are counted as late and dropped.
 */
import { childLogger } from '../../obs/logger';
import { SignalFuser, SIGNALS, type FuserState, type Highlight, type SelectOptions, type Signal, type Weights } from '../../highlights';
import type { HighlightRow } from '../../store';
import type { HighlightMsg, TopicInput } from '../../topics';
import type { RowWriters } from '../common/rows';
import type { Publish } from '../stage';
import { SignalExtractor, type ExtractorOptions, type ExtractorState } from './signal-extractor';

export interface HighlightsStageOptions {
  streamId: string;
  rows: Pick<RowWriters, 'writeHighlights'>;
  publish: Publish;
  weights: Weights;
  select: SelectOptions;
  windowS: number;
  /** Live: close a window once inputs are this far past its end. Files close every window at the end. */
  lateS: number;
  live: boolean;
  extractor: ExtractorOptions;
  state?: HighlightsState | null;
}

export interface HighlightsState {
  fuser: FuserState;
  extractor: ExtractorState;
  /** Windows before this media time are closed. */
  closedUntilUs: number;
  /** Peaks chosen in the last closed window (the next one keeps its distance from them). */
  lastPeaksUs: number[];
  latestUs: number;
  wallOffsetMs: number | null;
}

export interface HighlightsStats {
  windowsClosed: number;
  highlights: number;
  lateInputs: number;
  openSeconds: number;
}

const LABELS: Record<Signal, string> = {
  vlm: 'described moment', arousal: 'raised voice or loud sound', keyword: 'spoken keyword', emotion: 'strong or changing emotion',
  new_track: 'someone or something new', crowd: 'crowd peak', motion: 'fast motion', scene: 'scene change',
};

export class HighlightsStage {
  private readonly log;
  private readonly fuser: SignalFuser;
  private readonly extractor: SignalExtractor;
  private readonly windowUs: number;
  private closedUntilUs = 0;
  private lastPeaksUs: number[] = [];
  private latestUs = 0;
  private wallOffsetMs: number | null = null;
  private readonly stats: HighlightsStats = { windowsClosed: 0, highlights: 0, lateInputs: 0, openSeconds: 0 };

  constructor(private readonly o: HighlightsStageOptions) {
    this.log = childLogger({ stage: 'highlights', streamId: o.streamId });
    this.fuser = new SignalFuser(o.weights);
    this.windowUs = Math.round(o.windowS * 1e6);
    if (o.state) {
      this.fuser.restore(o.state.fuser);
      this.closedUntilUs = o.state.closedUntilUs;
      this.lastPeaksUs = o.state.lastPeaksUs;
      this.latestUs = o.state.latestUs;
      this.wallOffsetMs = o.state.wallOffsetMs;
    }
    this.extractor = new SignalExtractor(this.fuser, o.extractor, o.state?.extractor);
  }

  async handle(input: TopicInput): Promise<void> {
    const m = input.msg;
    // A span (an event, a transcript segment) belongs to a closed window only once all of it does.
    const endUs = 'endUs' in m && typeof m.endUs === 'number' ? m.endUs : m.ptsUs;
    if (endUs < this.closedUntilUs) { this.stats.lateInputs++; return; }
    if (this.wallOffsetMs === null && input.topic !== 'highlights' && input.topic !== 'alerts') this.wallOffsetMs = m.ts - m.ptsUs / 1000;
    switch (input.topic) {
      case 'frames': this.extractor.onFrame(input.msg); break;
      case 'audio': this.extractor.onAudio(input.msg); break;
      case 'detections': this.extractor.onDetections(input.msg); break;
      case 'transcripts': this.extractor.onTranscript(input.msg); break;
      case 'emotions': this.extractor.onEmotions(input.msg); break;
      case 'events': this.extractor.onEvent(input.msg); break;
      default: return;
    }
    if (input.topic === 'frames' || input.topic === 'audio') this.latestUs = Math.max(this.latestUs, m.ptsUs);
    if (this.o.live) await this.closeDueWindows();
  }

  async finish(): Promise<void> {
    this.extractor.flushAudio();
    // Every remaining window, the last one ending at the stream's last media time.
    const endUs = Math.max(this.latestUs + 1, this.closedUntilUs);
    while (this.closedUntilUs < endUs) await this.closeWindow(Math.min(this.closedUntilUs + this.windowUs, endUs), endUs);
  }

  state(): HighlightsState {
    return {
      fuser: this.fuser.snapshot(), extractor: this.extractor.state(), closedUntilUs: this.closedUntilUs,
      lastPeaksUs: this.lastPeaksUs, latestUs: this.latestUs, wallOffsetMs: this.wallOffsetMs,
    };
  }

  getStats(): HighlightsStats { return { ...this.stats, openSeconds: this.fuser.size }; }

  private async closeDueWindows(): Promise<void> {
    const lateUs = this.o.lateS * 1e6;
    while (this.latestUs >= this.windowEnd() + lateUs) await this.closeWindow(this.windowEnd(), null);
  }

  private windowEnd(): number {
    return (Math.floor(this.closedUntilUs / this.windowUs) + 1) * this.windowUs;
  }

  /** Chooses, writes and publishes the highlights of [closedUntilUs, toUs); `streamEndUs` clamps clips at the end. */
  private async closeWindow(toUs: number, streamEndUs: number | null): Promise<void> {
    const fromUs = this.closedUntilUs;
    const chosen = this.fuser.select(this.o.select, { fromUs, toUs, avoidPeaksUs: this.lastPeaksUs });
    const ranked = [...chosen].sort((a, b) => b.score - a.score);
    const offset = this.wallOffsetMs ?? Date.now();
    const rows: HighlightRow[] = chosen.map((h) => {
      const endUs = streamEndUs !== null ? Math.max(h.peakUs, Math.min(h.endUs, streamEndUs)) : h.endUs;
      return {
        streamId: this.o.streamId, ptsUs: h.startUs, ts: offset + h.startUs / 1000, startUs: h.startUs, endUs,
        peakUs: h.peakUs, score: round(h.score), contributions: roundAll(h.contributions), title: this.title(h),
      };
    });
    if (rows.length) await this.o.rows.writeHighlights(rows);
    for (const [i, r] of rows.entries()) {
      const msg: HighlightMsg = {
        streamId: r.streamId, ptsUs: r.ptsUs, ts: r.ts, startUs: r.startUs, endUs: r.endUs, peakUs: r.peakUs!,
        score: r.score, contributions: r.contributions!, title: r.title!, rank: ranked.indexOf(chosen[i]!) + 1,
      };
      await this.o.publish('highlights', msg);
    }
    this.stats.windowsClosed++;
    this.stats.highlights += rows.length;
    if (rows.length) this.log.info({ fromS: fromUs / 1e6, toS: toUs / 1e6, highlights: rows.length }, 'highlights window closed');
    this.closedUntilUs = toUs;
    this.lastPeaksUs = chosen.map((h) => h.peakUs).filter((us) => toUs - us < this.o.select.minGapS * 1e6);
    this.fuser.prune(toUs);
    this.extractor.prune(toUs - 60e6);
  }

  /** The VLM's description when one covers the peak, else what the strongest signals were. */
  private title(h: Highlight): string {
    const ev = this.extractor.events.filter((e) => e.startUs <= h.peakUs && h.peakUs <= e.endUs).sort((a, b) => b.score - a.score)[0];
    if (ev && (h.contributions.vlm ?? 0) > 0) return ev.description.length > 120 ? `${ev.description.slice(0, 117)}...` : ev.description;
    const top = SIGNALS.filter((s) => (h.contributions[s] ?? 0) > 0).sort((a, b) => (h.contributions[b] ?? 0) - (h.contributions[a] ?? 0)).slice(0, 2);
    return top.map((s) => LABELS[s]).join(' + ') || 'highlight';
  }
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
const roundAll = (c: Partial<Record<Signal, number>>): Record<string, number> =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, round(v ?? 0)]));
