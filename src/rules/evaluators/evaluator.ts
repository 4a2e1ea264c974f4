/**
 * The evaluator contract: one per rule kind, fed the stream's topic messages in media-time order and
 * answering with the alerts they fire. No I/O and no wall clock (stream_down alone is told the time by
 * `tick`), so the live stage and a dry-run over stored rows fire the same alerts with the same ids.
 */
import type { AlertMsg, GraphTopic, TopicInput } from '../../topics';

export interface Evaluator {
  readonly rule: string;
  /** Topics the evaluator reads. */
  readonly topics: readonly GraphTopic[];
  observe(input: TopicInput): AlertMsg[];
  /** Time passing without input (wall clock, epoch ms). */
  tick?(nowMs: number): AlertMsg[];
}

/** Per-subject cooldown in media time: a subject that fired may fire again only `cooldownS` later. */
export class Cooldown {
  private readonly last = new Map<string | number, number>();
  constructor(private readonly cooldownS: number) {}

  allow(subject: string | number, ptsUs: number): boolean {
    const prev = this.last.get(subject);
    if (prev !== undefined && ptsUs - prev < this.cooldownS * 1e6 && ptsUs >= prev) return false;
    this.last.set(subject, ptsUs);
    return true;
  }
}
