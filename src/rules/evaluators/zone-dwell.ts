/**
 * zone_dwell: a tracked object whose anchor (box bottom centre) stays inside the polygon for `dwellS`
 * of continuous media time fires once per stay. Leaving the zone, or going unseen for more than
 * `lostAfterS` (the track is lost), ends the stay; a track that only passes through never fires. The
 * alert id is (stream, rule, track, entry time), so the same stay always gives the same alert.
 */
import type { AlertMsg, DetectionsMsg, TopicInput } from '../../topics';
import { alertId } from '../alert-id';
import { anchorOf, pointInPolygon, type Point } from '../geometry';
import type { ZoneDwellRule } from '../rule-schema';
import { Cooldown, type Evaluator } from './evaluator';

interface Stay { enteredUs: number | null; lastUs: number; fired: boolean }

export class ZoneDwellEvaluator implements Evaluator {
  readonly topics = ['detections'] as const;
  private readonly stays = new Map<number, Stay>();
  private readonly classes: Set<string>;
  private readonly cooldown: Cooldown;

  constructor(private readonly streamId: string, private readonly r: ZoneDwellRule) {
    this.classes = new Set(r.classes);
    this.cooldown = new Cooldown(r.cooldownS);
  }

  get rule(): string { return this.r.id; }

  observe(input: TopicInput): AlertMsg[] {
    return input.topic === 'detections' ? this.onDetections(input.msg) : [];
  }

  private onDetections(m: DetectionsMsg): AlertMsg[] {
    if (m.skipped || m.width <= 0 || m.height <= 0) return [];
    const lostUs = this.r.lostAfterS * 1e6;
    const out: AlertMsg[] = [];
    for (const d of m.detections) {
      if (d.trackId === null || !this.classes.has(d.className)) continue;
      const anchor = anchorOf(d.bbox, m.width, m.height);
      const inside = pointInPolygon(anchor, this.r.polygon as Point[]);
      let s = this.stays.get(d.trackId);
      if (s && m.ptsUs - s.lastUs > lostUs) s = undefined;
      if (!inside) { this.stays.set(d.trackId, { enteredUs: null, lastUs: m.ptsUs, fired: false }); continue; }
      if (!s || s.enteredUs === null) s = { enteredUs: m.ptsUs, lastUs: m.ptsUs, fired: false };
      s.lastUs = m.ptsUs;
      this.stays.set(d.trackId, s);
      const dwellUs = m.ptsUs - s.enteredUs!;
      if (s.fired || dwellUs < this.r.dwellS * 1e6) continue;
      s.fired = true;
      if (!this.cooldown.allow(d.trackId, m.ptsUs)) continue;
      out.push({
        streamId: this.streamId, ptsUs: m.ptsUs, ts: m.ts, alertId: alertId(this.streamId, this.r.id, d.trackId, s.enteredUs!),
        rule: this.r.id, kind: 'zone_dwell',
        payload: { track_id: d.trackId, class: d.className, entered_s: s.enteredUs! / 1e6, dwell_s: dwellUs / 1e6, anchor: round(anchor) },
      });
    }
    // Tracks unseen past lostAfterS are gone: forget them so memory follows the live tracks only.
    for (const [id, s] of this.stays) if (m.ptsUs - s.lastUs > lostUs) this.stays.delete(id);
    return out;
  }
}

const round = (p: Point) => [Math.round(p[0] * 1e4) / 1e4, Math.round(p[1] * 1e4) / 1e4];
