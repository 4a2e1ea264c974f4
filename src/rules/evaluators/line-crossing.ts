/**
 * line_crossing: a tracked object's anchor (box bottom centre) moving from one side of the segment to the
 * other between two consecutive observations (at most `lostAfterS` apart). Sides are as seen walking from
 * line[0] to line[1]; an observation exactly on the line keeps the side it came from.
 */
import type { AlertMsg, DetectionsMsg, TopicInput } from '../../topics';
import { alertId } from '../alert-id';
import { anchorOf, crossesSegment, sideOf, type Point } from '../geometry';
import type { LineCrossingRule } from '../rule-schema';
import { Cooldown, type Evaluator } from './evaluator';

export class LineCrossingEvaluator implements Evaluator {
  readonly topics = ['detections'] as const;
  /** Last anchor off the line per track, and when the track was last seen. */
  private readonly last = new Map<number, { p: Point; seenUs: number }>();
  private readonly classes: Set<string>;
  private readonly cooldown: Cooldown;

  constructor(private readonly streamId: string, private readonly r: LineCrossingRule) {
    this.classes = new Set(r.classes);
    this.cooldown = new Cooldown(r.cooldownS);
  }

  get rule(): string { return this.r.id; }

  observe(input: TopicInput): AlertMsg[] {
    return input.topic === 'detections' ? this.onDetections(input.msg) : [];
  }

  private onDetections(m: DetectionsMsg): AlertMsg[] {
    if (m.skipped || m.width <= 0 || m.height <= 0) return [];
    const [a, b] = this.r.line as [Point, Point];
    const lostUs = this.r.lostAfterS * 1e6;
    const out: AlertMsg[] = [];
    for (const d of m.detections) {
      if (d.trackId === null || !this.classes.has(d.className)) continue;
      const p = anchorOf(d.bbox, m.width, m.height);
      const prev = this.last.get(d.trackId);
      const side = sideOf(p, a, b);
      if (prev && m.ptsUs - prev.seenUs <= lostUs && crossesSegment(prev.p, p, a, b)) {
        const direction = sideOf(prev.p, a, b) < 0 ? 'left_to_right' : 'right_to_left';
        if ((this.r.direction === 'any' || this.r.direction === direction) && this.cooldown.allow(d.trackId, m.ptsUs)) {
          out.push({
            streamId: this.streamId, ptsUs: m.ptsUs, ts: m.ts, alertId: alertId(this.streamId, this.r.id, d.trackId, m.ptsUs),
            rule: this.r.id, kind: 'line_crossing', payload: { track_id: d.trackId, class: d.className, direction },
          });
        }
      }
      if (side !== 0 || !prev) this.last.set(d.trackId, { p, seenUs: m.ptsUs });
      else prev.seenUs = m.ptsUs;
    }
    for (const [id, s] of this.last) if (m.ptsUs - s.seenUs > lostUs) this.last.delete(id);
    return out;
  }
}
