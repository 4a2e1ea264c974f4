/**
 * VLM stage for one stream. Sampled frames, detections and transcripts feed a bounded history and a
 * trigger policy; a trigger opens a window [t - pre, t + post] that is described once the frames after the
 * trigger have arrived. The prompt comes from prompts/*.md, the reply is validated against the shared
 * schema (one retry for an invalid reply, then a failed call and a skip, never an event), and each event
 * is stored with the window span, description, tags, clip_worthy_score and model, and published on
 * `events:<streamId>`.
 */
import { childLogger } from '../../obs/logger';
import type { VlmContentPart, VlmMessage, VlmReply } from '../../runpod/contracts';
import type { DescribePort } from '../../runpod/inference';
import type { EventRow } from '../../store';
import type { DetectionsMsg, EmotionsMsg, FrameMsg, TranscriptMsg } from '../../topics';
import type { OverflowPolicy } from '../common/bounded-queue';
import { endpointCallRow, skipReason } from '../common/outcomes';
import type { RowWriters } from '../common/rows';
import { SerialQueue } from '../common/serial-queue';
import type { Publish } from '../stage';
import { RecentHistory, spread, summariseDetections, summariseEmotions, summariseTranscript, type DetectionSummary, type EmotionSummary, type SampledFrame, type TranscriptLine } from './context';
import { loadPromptTemplates, renderTemplate, type PromptTemplates } from './prompt';
import { TriggerPolicy, type Trigger, type TriggerOptions, type TriggerPolicyState } from './triggers';

export interface VlmStageOptions {
  streamId: string;
  describe: DescribePort;
  rows: RowWriters;
  publish: Publish;
  templates?: PromptTemplates;
  triggers?: TriggerOptions;
  /** Window before/after the trigger time, seconds. */
  preS?: number;
  postS?: number;
  maxImages?: number;
  maxTokens?: number;
  /**
   * Extra media time to wait after the window before describing it, so that detections and transcripts
   * for the window (which lag the frames) are in. Set it to the audio window + overlap when audio runs.
   */
  contextLagS?: number;
  /**
   * Context the stage waits for before describing a window: a window is described once the detections /
   * transcripts of its whole span are in (watermarks fed through `noteProgress`), not merely its frames.
   */
  awaitContext?: ContextSource[];
  /**
   * How long (media seconds past the window's end) a window waits for context that has not reported
   * yet before it is described with what is in. Default 20 s; a live stream's module passes a short one,
   * because a 5 s audio window closing late would otherwise hold every live event back by up to that much.
   */
  maxContextWaitS?: number;
  /** Frames are kept for context (and scene signatures computed) at most this often, ms of media time. */
  sampleEveryMs?: number;
  queueCapacity?: number;
  overflow?: OverflowPolicy;
  /** Handed over by the previous holder of the stream (worker mode). */
  state?: VlmState | null;
}

/**
 * The stage's per-stream state for hand-over: trigger memory, waiting windows, watermarks and the recent
 * context (sampled frames a future window may still show, with their JPEGs; detections; transcript).
 */
export interface VlmState {
  policy: TriggerPolicyState;
  pending: { atUs: number; triggers: Trigger[] }[];
  described: [number, number][];
  watermarks: Partial<Record<ContextSource, number>>;
  latestUs: number;
  lastSampledUs: number | null;
  wallOffsetMs: number;
  framesSeen: number;
  frames: { ptsUs: number; ts: number; jpeg: string }[];
  detections: DetectionSummary[];
  transcript: TranscriptLine[];
  /** Absent in states saved before the emotion stage existed. */
  emotions?: EmotionSummary[];
}

export interface VlmStats {
  framesSeen: number;
  framesSampled: number;
  triggers: Record<string, number>;
  suppressedTriggers: number;
  calls: number;
  invalidReplies: number;
  failedCalls: number;
  events: number;
  droppedWindows: number;
  queueHighWater: number;
  queueCapacity: number;
  /** Windows described before all their context was in (maxContextWaitS passed). */
  contextTimeouts: number;
}

interface Pending { atUs: number; triggers: Trigger[] }
export type ContextSource = 'detections' | 'transcripts' | 'emotions';
const MAX_PENDING = 8;
const DEFAULT_MAX_CONTEXT_WAIT_US = 20e6;
interface Window { startUs: number; endUs: number; atUs: number; triggers: Trigger[]; frames: SampledFrame[]; wallOffsetMs: number }

export class VlmStage {
  private readonly log;
  private readonly policy: TriggerPolicy;
  private readonly templates: PromptTemplates;
  private readonly preUs: number;
  private readonly postUs: number;
  private readonly lagUs: number;
  private readonly maxContextWaitUs: number;
  private readonly sampleUs: number;
  private readonly frames: RecentHistory<SampledFrame>;
  private readonly detections: RecentHistory<DetectionSummary>;
  private readonly transcript: RecentHistory<TranscriptLine>;
  private readonly emotions: RecentHistory<EmotionSummary>;
  private readonly calls: SerialQueue<Window>;
  /** Spans of the latest windows sent for description. */
  private readonly described: [number, number][] = [];
  private lastSampledUs = -Infinity;
  private latestUs = 0;
  private wallOffsetMs = 0;
  /** Windows waiting for their frames and context, oldest first (bounded: see MAX_PENDING). */
  private pending: Pending[] = [];
  /** Media time up to which detection / transcription are done; null = that stage is not awaited. */
  private readonly watermarks: Partial<Record<ContextSource, number>> = {};
  private readonly stats: VlmStats;

  constructor(private readonly opts: VlmStageOptions) {
    this.log = childLogger({ stage: 'vlm', streamId: opts.streamId });
    this.policy = new TriggerPolicy(opts.triggers);
    this.templates = opts.templates ?? loadPromptTemplates();
    this.preUs = (opts.preS ?? 3) * 1e6;
    this.postUs = (opts.postS ?? 2) * 1e6;
    this.lagUs = (opts.contextLagS ?? 1) * 1e6;
    this.maxContextWaitUs = opts.maxContextWaitS !== undefined ? opts.maxContextWaitS * 1e6 : DEFAULT_MAX_CONTEXT_WAIT_US;
    for (const src of opts.awaitContext ?? []) this.watermarks[src] = -1;
    this.sampleUs = (opts.sampleEveryMs ?? 500) * 1000;
    // History must outlive the longest wait for context, or a late window would find no frames.
    const keepUs = this.preUs + this.postUs + this.lagUs + Math.max(this.maxContextWaitUs, DEFAULT_MAX_CONTEXT_WAIT_US) + 2e6;
    this.frames = new RecentHistory<SampledFrame>(keepUs, 128, (f) => f.ptsUs);
    this.detections = new RecentHistory<DetectionSummary>(keepUs, 512, (d) => d.ptsUs);
    this.transcript = new RecentHistory<TranscriptLine>(keepUs + 30e6, 128, (t) => t.startUs);
    this.emotions = new RecentHistory<EmotionSummary>(keepUs, 256, (e) => e.ptsUs);
    const capacity = opts.queueCapacity ?? 2;
    this.calls = new SerialQueue<Window>(capacity, opts.overflow ?? 'block', (w) => this.describe(w),
      (err) => this.log.error({ err }, 'vlm window failed'), (w) => this.onDropped(w));
    this.stats = { framesSeen: 0, framesSampled: 0, triggers: {}, suppressedTriggers: 0, calls: 0, invalidReplies: 0, failedCalls: 0, events: 0, droppedWindows: 0, queueHighWater: 0, queueCapacity: capacity, contextTimeouts: 0 };
    if (opts.state) this.restore(opts.state);
  }

  /** Resolves once every window already sent for description has its event (or skip) recorded. */
  idle(): Promise<void> {
    return this.calls.idle();
  }

  state(): VlmState {
    // Frames older than any window that can still open (pending ones, or a trigger at the newest media
    // time) are never shown again: they stay out of the state.
    const oldestPending = this.pending.length ? this.pending[0].atUs : Infinity;
    const keepFrom = Math.min(oldestPending, this.latestUs) - this.preUs - this.lagUs;
    return {
      policy: this.policy.snapshot(),
      pending: this.pending.map((p) => ({ atUs: p.atUs, triggers: [...p.triggers] })),
      described: this.described.map(([a, b]) => [a, b]),
      watermarks: { ...this.watermarks },
      latestUs: this.latestUs,
      lastSampledUs: Number.isFinite(this.lastSampledUs) ? this.lastSampledUs : null,
      wallOffsetMs: this.wallOffsetMs,
      framesSeen: this.stats.framesSeen,
      frames: this.frames.all().filter((f) => f.ptsUs >= keepFrom).map((f) => ({ ptsUs: f.ptsUs, ts: f.ts, jpeg: f.jpeg.toString('base64') })),
      detections: this.detections.all(),
      transcript: this.transcript.all(),
      emotions: this.emotions.all(),
    };
  }

  private restore(s: VlmState): void {
    this.policy.restore(s.policy);
    this.pending = s.pending.map((p) => ({ atUs: p.atUs, triggers: [...p.triggers] }));
    this.described.push(...s.described);
    Object.assign(this.watermarks, s.watermarks);
    this.latestUs = s.latestUs;
    this.lastSampledUs = s.lastSampledUs ?? -Infinity;
    this.wallOffsetMs = s.wallOffsetMs;
    this.stats.framesSeen = s.framesSeen;
    for (const f of s.frames) this.frames.add({ ptsUs: f.ptsUs, ts: f.ts, jpeg: Buffer.from(f.jpeg, 'base64') });
    for (const d of s.detections) this.detections.add(d);
    for (const t of s.transcript) this.transcript.add(t);
    for (const e of s.emotions ?? []) this.emotions.add(e);
  }

  /**
   * A frame: kept for context at most every `sampleEveryMs` of media time; its scene score (computed once
   * at ingest, carried on the frames topic) feeds the scene-change trigger. Then due windows are described.
   */
  async onFrame(frame: FrameMsg): Promise<void> {
    // Frames arrive in media order; an older one is a redelivery after a hand-over (already seen).
    if (this.stats.framesSeen > 0 && frame.ptsUs <= this.latestUs) return;
    this.stats.framesSeen++;
    if (this.stats.framesSeen === 1) this.wallOffsetMs = frame.ts - frame.ptsUs / 1000;
    this.latestUs = Math.max(this.latestUs, frame.ptsUs);
    const sampled = frame.ptsUs - this.lastSampledUs >= this.sampleUs;
    // Sampled frames also drive the stream-start and periodic triggers (a frame without a score counts as 0).
    if (sampled || frame.sceneScore !== null) this.addTriggers(this.policy.onSceneDistance(frame.ptsUs, frame.sceneScore ?? 0));
    if (sampled) {
      this.lastSampledUs = frame.ptsUs;
      this.stats.framesSampled++;
      this.frames.add({ ptsUs: frame.ptsUs, ts: frame.ts, jpeg: frame.jpeg });
    }
    await this.fireDue(false);
  }

  /** A frame's detection outcome: context, new-track triggers, and detection's progress. */
  async onDetections(msg: DetectionsMsg): Promise<void> {
    this.noteProgress('detections', msg.ptsUs);
    if (msg.skipped) return;
    this.detections.add({ ptsUs: msg.ptsUs, detections: msg.detections.map((d) => ({ className: d.className, trackId: d.trackId })) });
    const ids = msg.detections.map((d) => d.trackId).filter((x): x is number => x !== null);
    this.addTriggers(this.policy.onTracks(msg.ptsUs, ids));
    await this.fireDue(false);
  }

  /** A transcript row (speech, silence or skipped window): context, keyword/loudness triggers, progress. */
  async onTranscript(msg: TranscriptMsg): Promise<void> {
    this.noteProgress('transcripts', msg.endUs);
    if (msg.skipped || msg.isSilence || !msg.text) return;
    this.transcript.add({ startUs: msg.startUs, endUs: msg.endUs, text: msg.text });
    this.addTriggers(this.policy.onTranscript(msg.startUs, msg.text, msg.prosody?.rmsDb ?? null));
    await this.fireDue(false);
  }

  /** An emotion-stage outcome: the faces' dominant emotions for the window's context, and its progress. */
  async onEmotions(msg: EmotionsMsg): Promise<void> {
    this.noteProgress('emotions', msg.ptsUs);
    if (msg.skipped || !msg.faces.length) return;
    this.emotions.add({ ptsUs: msg.ptsUs, faces: msg.faces.map((f) => ({ trackId: f.trackId, emotion: f.emotion, confidence: f.confidence })) });
    await this.fireDue(false);
  }

  /** End of stream: describes a pending window with the frames there are, then waits for every call. */
  async flush(): Promise<void> {
    await this.fireDue(true);
    await this.calls.idle();
  }

  getStats(): VlmStats {
    return { ...this.stats, triggers: { ...this.stats.triggers }, droppedWindows: this.calls.dropped, queueHighWater: this.calls.highWater };
  }

  /** Detection / transcription have finished everything up to `uptoUs` (skips included). */
  noteProgress(source: ContextSource, uptoUs: number): void {
    const cur = this.watermarks[source];
    if (cur !== undefined && uptoUs > cur) this.watermarks[source] = uptoUs;
  }

  private addTriggers(triggers: Trigger[]): void {
    for (const t of triggers) {
      this.stats.triggers[t.kind] = (this.stats.triggers[t.kind] ?? 0) + 1;
      // Triggers arrive out of media order (frames run ahead of their detections and transcripts):
      // merge into any waiting window close enough, and drop one inside a span already described.
      const near = this.pending.find((p) => Math.abs(t.atUs - p.atUs) < this.policy.minGapUs);
      if (near) {
        near.triggers.push(t);
      } else if (this.described.some(([s, e]) => t.atUs >= s && t.atUs <= e)) {
        this.stats.suppressedTriggers++;
      } else if (this.pending.length < MAX_PENDING && this.policy.allows(t.atUs)) {
        // The call is booked now so later triggers measure their gap from this window.
        this.policy.noteCall(t.atUs);
        this.pending.push({ atUs: t.atUs, triggers: [t] });
        this.pending.sort((a, b) => a.atUs - b.atUs);
      } else {
        this.stats.suppressedTriggers++;
      }
    }
  }

  private isDue(p: Pending): boolean {
    const endUs = p.atUs + this.postUs;
    if (this.latestUs < endUs + this.lagUs) return false;
    // A context source that never reports (a video-only live source with the audio stage on) or reports
    // late (the audio window still open) must not hold descriptions back: maxContextWaitUs of media time
    // past the window's end, it is described with the context that is in.
    if (this.latestUs >= endUs + this.maxContextWaitUs) {
      if (!Object.values(this.watermarks).every((w) => (w as number) >= endUs)) this.stats.contextTimeouts++;
      return true;
    }
    return Object.values(this.watermarks).every((w) => (w as number) >= endUs);
  }

  private async fireDue(force: boolean): Promise<void> {
    while (this.pending.length && (force || this.isDue(this.pending[0]))) {
      const p = this.pending.shift() as Pending;
      const frames = this.frames.between(p.atUs - this.preUs, p.atUs + this.postUs);
      if (!frames.length) continue;
      const startUs = Math.min(frames[0].ptsUs, p.atUs);
      const endUs = Math.max(frames[frames.length - 1].ptsUs + this.sampleUs, p.atUs);
      // Two windows can land on the same frames (near the end of a stream): one description is enough.
      if (this.described.some(([s, e]) => s === startUs && e === endUs)) {
        this.stats.suppressedTriggers += p.triggers.length;
        continue;
      }
      this.described.push([startUs, endUs]);
      if (this.described.length > MAX_PENDING) this.described.shift();
      await this.calls.push({ startUs, endUs, atUs: p.atUs, triggers: p.triggers, frames, wallOffsetMs: this.wallOffsetMs });
    }
  }

  private async describe(w: Window): Promise<void> {
    const images = spread(w.frames, this.opts.maxImages ?? 4).map((f) => f.jpeg);
    const user = renderTemplate(this.templates.user, {
      window_start: (w.startUs / 1e6).toFixed(1),
      window_end: (w.endUs / 1e6).toFixed(1),
      image_count: String(images.length),
      triggers: w.triggers.map((t) => `${t.kind.replace('_', ' ')} at ${(t.atUs / 1e6).toFixed(1)}s (${t.detail})`).join('; '),
      // The faces' emotions belong to the detected people: listed with them (no prompt placeholder needed).
      detections: [summariseDetections(this.detections.between(w.startUs, w.endUs)), summariseEmotions(this.emotions.between(w.startUs, w.endUs))].filter(Boolean).join('\n'),
      transcript: summariseTranscript(this.transcript.between(w.startUs - 2e6, w.endUs + 2e6)),
    });
    const parts: VlmContentPart[] = images.map((img) => ({ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${img.toString('base64')}` } }));
    parts.push({ type: 'text', text: user });
    const messages: VlmMessage[] = [{ role: 'system', content: this.templates.system }, { role: 'user', content: parts }];
    const ts = (us: number) => w.wallOffsetMs + us / 1000;
    let reply: VlmReply | null = null;
    let model = '';
    let lastError = '';
    for (let attempt = 0; attempt < 2 && !reply; attempt++) {
      const started = Date.now();
      this.stats.calls++;
      try {
        const r = await this.opts.describe.describe({ messages }, { streamId: this.opts.streamId, maxTokens: this.opts.maxTokens });
        model = r.model;
        if (r.reply.ok) {
          reply = r.reply.reply;
          await this.opts.rows.recordEndpointCall(endpointCallRow({ streamId: this.opts.streamId, endpoint: 'vlm', ptsUs: w.startUs, ok: true, ms: Date.now() - started, billing: r.billing }));
        } else {
          this.stats.invalidReplies++;
          lastError = r.reply.error;
          await this.opts.rows.recordEndpointCall(endpointCallRow({ streamId: this.opts.streamId, endpoint: 'vlm', ptsUs: w.startUs, ok: false, error: r.reply.error, ms: Date.now() - started, billing: r.billing }));
        }
      } catch (err) {
        // Transport failures were already retried by the client: do not retry them here.
        const { reason, detail } = skipReason(err);
        this.stats.failedCalls++;
        await this.opts.rows.recordEndpointCall(endpointCallRow({ streamId: this.opts.streamId, endpoint: 'vlm', ptsUs: w.startUs, ok: false, error: detail, ms: Date.now() - started }));
        await this.opts.rows.recordSkip({ streamId: this.opts.streamId, stage: 'vlm', ptsUs: w.startUs, endUs: w.endUs, ts: ts(w.startUs), reason, detail });
        return;
      }
    }
    if (!reply) {
      this.stats.failedCalls++;
      this.log.warn({ error: lastError }, 'vlm reply invalid twice; window not described');
      await this.opts.rows.recordSkip({ streamId: this.opts.streamId, stage: 'vlm', ptsUs: w.startUs, endUs: w.endUs, ts: ts(w.startUs), reason: 'invalid_reply', detail: lastError });
      return;
    }
    const tags = [...new Set([...reply.tags, ...w.triggers.map((t) => `trigger:${t.kind}`)])];
    const row: EventRow = {
      streamId: this.opts.streamId, ptsUs: w.startUs, ts: ts(w.startUs), startUs: w.startUs, endUs: w.endUs,
      description: reply.description, tags, clipWorthyScore: Math.min(1, Math.max(0, reply.clip_worthy_score)), model,
    };
    await this.opts.rows.writeEvents([row]);
    this.stats.events++;
    await this.opts.publish('events', {
      streamId: row.streamId, ptsUs: row.ptsUs, ts: row.ts, startUs: row.startUs, endUs: row.endUs, triggerUs: w.atUs,
      description: row.description, tags, clipWorthyScore: row.clipWorthyScore, emotions: reply.emotions ?? [], model,
    });
  }

  private onDropped(w: Window): void {
    this.opts.rows.recordSkip({ streamId: this.opts.streamId, stage: 'vlm', ptsUs: w.startUs, endUs: w.endUs, ts: w.wallOffsetMs + w.startUs / 1000, reason: 'queue_full', detail: 'vlm queue full; oldest window dropped' })
      .catch((err) => this.log.error({ err }, 'could not record dropped vlm window'));
  }
}
