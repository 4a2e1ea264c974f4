/**
 * stream_down: the stream has been reconnecting or failed for `seconds` of wall time (its `state`
 * messages; `tick` tells it the time, since a down stream sends nothing). Fires once per outage; the id
 * is (stream, rule, the outage's start), so a server that re-reads the same states fires the same alert.
 * `stopped` and `ended` are outages on purpose: they end an outage without firing.
 */
import type { AlertMsg, StateMsg, TopicInput } from '../../topics';
import { alertId } from '../alert-id';
import type { StreamDownRule } from '../rule-schema';
import type { Evaluator } from './evaluator';

export class StreamDownEvaluator implements Evaluator {
  readonly topics = ['state'] as const;
  private down: { since: number; ptsUs: number; state: string; reason: string | null; fired: boolean } | null = null;

  constructor(private readonly streamId: string, private readonly r: StreamDownRule) {}

  get rule(): string { return this.r.id; }

  observe(input: TopicInput): AlertMsg[] {
    if (input.topic !== 'state') return [];
    const m: StateMsg = input.msg;
    if (m.state === 'reconnecting' || m.state === 'failed') {
      if (!this.down) this.down = { since: m.ts, ptsUs: m.ptsUs, state: m.state, reason: m.reason, fired: false };
      else { this.down.state = m.state; this.down.reason = m.reason; }
      return this.tick(m.ts);
    }
    // `starting` between failed restarts is still down; running, stopped and ended end the outage.
    if (m.state !== 'starting') this.down = null;
    return [];
  }

  tick(nowMs: number): AlertMsg[] {
    const d = this.down;
    if (!d || d.fired || nowMs - d.since < this.r.seconds * 1000) return [];
    d.fired = true;
    return [{
      streamId: this.streamId, ptsUs: d.ptsUs, ts: nowMs, alertId: alertId(this.streamId, this.r.id, d.since), rule: this.r.id, kind: 'stream_down',
      payload: { state: d.state, reason: d.reason, down_since: new Date(d.since).toISOString(), down_s: Math.round((nowMs - d.since) / 100) / 10 },
    }];
  }

  /** Wall time at which the current outage fires, if one is pending (lets a caller set one timer). */
  dueAt(): number | null {
    return this.down && !this.down.fired ? this.down.since + this.r.seconds * 1000 : null;
  }
}
