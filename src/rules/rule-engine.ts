/**
 * A stream's rule set as one object: an evaluator per rule, topic messages in, alerts out. Used by the
 * rules stage (live), the stream-down monitor (server states) and the dry-run (stored rows).
 */
import type { AlertMsg, GraphTopic, TopicInput } from '../topics';
import type { Evaluator } from './evaluators/evaluator';
import { KeywordEvaluator } from './evaluators/keyword';
import { LineCrossingEvaluator } from './evaluators/line-crossing';
import { StreamDownEvaluator } from './evaluators/stream-down';
import { ThresholdEvaluator } from './evaluators/threshold';
import { ZoneDwellEvaluator } from './evaluators/zone-dwell';
import type { Rule } from './rule-schema';

export function evaluatorFor(streamId: string, rule: Rule): Evaluator {
  switch (rule.kind) {
    case 'zone_dwell': return new ZoneDwellEvaluator(streamId, rule);
    case 'line_crossing': return new LineCrossingEvaluator(streamId, rule);
    case 'keyword': return new KeywordEvaluator(streamId, rule);
    case 'threshold': return new ThresholdEvaluator(streamId, rule);
    case 'stream_down': return new StreamDownEvaluator(streamId, rule);
  }
}

export class RuleEngine {
  private evaluators: Evaluator[] = [];
  private rulesById = new Map<string, Rule>();

  constructor(private readonly streamId: string, rules: readonly Rule[] = []) {
    this.setRules(rules);
  }

  /**
   * Replaces the rule set. A rule whose spec did not change keeps its evaluator (and so its tracks and
   * cooldowns); a changed or new one starts fresh.
   */
  setRules(rules: readonly Rule[]): void {
    const old = new Map(this.evaluators.map((e) => [e.rule, e]));
    const next = new Map(rules.map((r) => [r.id, r]));
    this.evaluators = [...next.values()].map((r) => {
      const kept = old.get(r.id);
      return kept && JSON.stringify(this.rulesById.get(r.id)) === JSON.stringify(r) ? kept : evaluatorFor(this.streamId, r);
    });
    this.rulesById = next;
  }

  get rules(): Rule[] { return [...this.rulesById.values()]; }

  rule(id: string): Rule | undefined { return this.rulesById.get(id); }

  /** Topics some rule reads. */
  get topics(): Set<GraphTopic> { return new Set(this.evaluators.flatMap((e) => e.topics)); }

  observe(input: TopicInput): AlertMsg[] {
    return this.evaluators.flatMap((e) => e.observe(input));
  }

  tick(nowMs: number): AlertMsg[] {
    return this.evaluators.flatMap((e) => e.tick?.(nowMs) ?? []);
  }
}
