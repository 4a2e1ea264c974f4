/**
 * threshold: an event's clip-worthiness, a face's score for one emotion, or a highlight's score at or
 * above `min`. The id is (stream, rule, the message's media time): one alert per event, frame or highlight.
 */
import type { AlertMsg, EmotionsMsg, EventMsg, GraphTopic, HighlightMsg, TopicInput } from '../../topics';
import { alertId } from '../alert-id';
import type { ThresholdRule } from '../rule-schema';
import { Cooldown, type Evaluator } from './evaluator';

const TOPIC: Record<ThresholdRule['on'], GraphTopic> = { event_score: 'events', emotion: 'emotions', highlight_score: 'highlights' };

export class ThresholdEvaluator implements Evaluator {
  readonly topics: readonly GraphTopic[];
  private readonly cooldown: Cooldown;

  constructor(private readonly streamId: string, private readonly r: ThresholdRule) {
    this.topics = [TOPIC[r.on]];
    this.cooldown = new Cooldown(r.cooldownS);
  }

  get rule(): string { return this.r.id; }

  observe(input: TopicInput): AlertMsg[] {
    if (input.topic === 'events' && this.r.on === 'event_score') return this.onEvent(input.msg);
    if (input.topic === 'emotions' && this.r.on === 'emotion') return this.onEmotions(input.msg);
    if (input.topic === 'highlights' && this.r.on === 'highlight_score') return this.onHighlight(input.msg);
    return [];
  }

  private onEvent(m: EventMsg): AlertMsg[] {
    if (m.clipWorthyScore < this.r.min) return [];
    return this.fire(m.startUs, m.ts, { score: round(m.clipWorthyScore), description: m.description.slice(0, 1000), tags: m.tags, start_s: m.startUs / 1e6, end_s: m.endUs / 1e6 });
  }

  private onEmotions(m: EmotionsMsg): AlertMsg[] {
    if (m.skipped) return [];
    const label = this.r.emotion!;
    let best: { score: number; trackId: number | null; faceIdx: number } | null = null;
    for (const f of m.faces) {
      const score = f.scores[label] ?? (f.emotion === label ? f.confidence : 0);
      if (score >= this.r.min && (!best || score > best.score)) best = { score, trackId: f.trackId, faceIdx: f.faceIdx };
    }
    return best ? this.fire(m.ptsUs, m.ts, { emotion: label, score: round(best.score), track_id: best.trackId, face_idx: best.faceIdx }) : [];
  }

  private onHighlight(m: HighlightMsg): AlertMsg[] {
    if (m.score < this.r.min) return [];
    return this.fire(m.startUs, m.ts, { score: round(m.score), title: m.title, peak_s: m.peakUs / 1e6, start_s: m.startUs / 1e6, end_s: m.endUs / 1e6 });
  }

  private fire(ptsUs: number, ts: number, payload: Record<string, unknown>): AlertMsg[] {
    if (!this.cooldown.allow('rule', ptsUs)) return [];
    return [{ streamId: this.streamId, ptsUs, ts, alertId: alertId(this.streamId, this.r.id, ptsUs), rule: this.r.id, kind: 'threshold', payload: { on: this.r.on, ...payload } }];
  }
}

/** Stored scores are float4: rounded, a dry-run's payload equals the live one. */
const round = (v: number) => Math.round(v * 1e4) / 1e4;
