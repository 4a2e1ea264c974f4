/**
 * keyword: a transcript segment containing one of the words or phrases (case-insensitive, on word
 * boundaries: "fire" matches "Fire!" but not "fireworks"; a phrase's spaces match any whitespace). One
 * alert per segment, listing every rule word it contains; the id is (stream, rule, segment start).
 */
import type { AlertMsg, TopicInput, TranscriptMsg } from '../../topics';
import { alertId } from '../alert-id';
import type { KeywordRule } from '../rule-schema';
import { Cooldown, type Evaluator } from './evaluator';

export function keywordPattern(word: string): RegExp {
  const body = word.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, 'iu');
}

export class KeywordEvaluator implements Evaluator {
  readonly topics = ['transcripts'] as const;
  private readonly patterns: { word: string; re: RegExp }[];
  private readonly cooldown: Cooldown;

  constructor(private readonly streamId: string, private readonly r: KeywordRule) {
    this.patterns = r.words.map((word) => ({ word, re: keywordPattern(word) }));
    this.cooldown = new Cooldown(r.cooldownS);
  }

  get rule(): string { return this.r.id; }

  observe(input: TopicInput): AlertMsg[] {
    return input.topic === 'transcripts' ? this.onSegment(input.msg) : [];
  }

  private onSegment(m: TranscriptMsg): AlertMsg[] {
    if (m.skipped || m.isSilence || !m.text) return [];
    const words = this.patterns.filter((p) => p.re.test(m.text)).map((p) => p.word);
    if (!words.length || !this.cooldown.allow('rule', m.startUs)) return [];
    return [{
      streamId: this.streamId, ptsUs: m.startUs, ts: m.ts, alertId: alertId(this.streamId, this.r.id, m.startUs),
      rule: this.r.id, kind: 'keyword', payload: { words, text: m.text.slice(0, 1000), start_s: m.startUs / 1e6, end_s: m.endUs / 1e6 },
    }];
  }
}
