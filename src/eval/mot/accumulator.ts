/**
 * Frame-by-frame event accumulator with py-motmetrics' MOTAccumulator semantics:
 *  1. an object keeps last frame's hypothesis if that pair is still valid this frame (MATCH);
 *  2. the remaining objects and hypotheses are paired by min-cost assignment over valid pairs; a pair whose
 *     object was last matched to a different hypothesis is a SWITCH, otherwise a MATCH;
 *  3. unpaired objects are MISSes, unpaired hypotheses FPs.
 * Alongside, it counts per-(object, hypothesis) co-occurrences with a valid distance, which the identity
 * metrics (IDF1) need: there every frame where the two overlap enough counts, matched or not.
 */
import { assignWithMissingEdges } from '../../tracking/assignment';

export type MotEventType = 'MATCH' | 'SWITCH' | 'MISS' | 'FP';

export interface MotEvent {
  frame: number;
  type: MotEventType;
  oid: number | null;
  hid: number | null;
  /** Distance (1 - IoU) for MATCH / SWITCH, NaN otherwise. */
  distance: number;
}

export class MotAccumulator {
  readonly events: MotEvent[] = [];
  /** Frames each object / hypothesis appears in. */
  readonly objectFrames = new Map<number, number>();
  readonly hypothesisFrames = new Map<number, number>();
  /** objectId -> hypothesisId -> frames where their distance was valid. */
  readonly coOccurrence = new Map<number, Map<number, number>>();
  private readonly lastMatch = new Map<number, number>();
  private frames = 0;

  get numFrames(): number {
    return this.frames;
  }

  /**
   * @param dists dists[i][j]: distance between oids[i] and hids[j]; NaN (or any non-finite) = not a valid pair.
   */
  update(frame: number, oids: readonly number[], hids: readonly number[], dists: readonly (readonly number[])[]): void {
    this.frames += 1;
    for (const o of oids) this.objectFrames.set(o, (this.objectFrames.get(o) ?? 0) + 1);
    for (const h of hids) this.hypothesisFrames.set(h, (this.hypothesisFrames.get(h) ?? 0) + 1);
    for (let i = 0; i < oids.length; i++) {
      for (let j = 0; j < hids.length; j++) {
        if (!Number.isFinite(dists[i][j])) continue;
        let row = this.coOccurrence.get(oids[i]);
        if (!row) this.coOccurrence.set(oids[i], (row = new Map()));
        row.set(hids[j], (row.get(hids[j]) ?? 0) + 1);
      }
    }

    const oMasked = new Array<boolean>(oids.length).fill(false);
    const hMasked = new Array<boolean>(hids.length).fill(false);
    if (oids.length > 0 && hids.length > 0) {
      // 1. Keep previous correspondences that are still valid.
      for (let i = 0; i < oids.length; i++) {
        const prev = this.lastMatch.get(oids[i]);
        if (prev === undefined) continue;
        const j = hids.findIndex((h, k) => !hMasked[k] && h === prev);
        if (j < 0 || !Number.isFinite(dists[i][j])) continue;
        oMasked[i] = true;
        hMasked[j] = true;
        this.events.push({ frame, type: 'MATCH', oid: oids[i], hid: hids[j], distance: dists[i][j] });
      }
      // 2. Optimal assignment of the rest.
      const rest = dists.map((row, i) => row.map((d, j) => (oMasked[i] || hMasked[j] ? NaN : d)));
      for (const [i, j] of assignWithMissingEdges(rest).matches) {
        const o = oids[i];
        const h = hids[j];
        const prev = this.lastMatch.get(o);
        const type: MotEventType = prev !== undefined && prev !== h ? 'SWITCH' : 'MATCH';
        this.events.push({ frame, type, oid: o, hid: h, distance: dists[i][j] });
        oMasked[i] = true;
        hMasked[j] = true;
        this.lastMatch.set(o, h);
      }
    }
    // 3. Leftovers.
    oids.forEach((o, i) => {
      if (!oMasked[i]) this.events.push({ frame, type: 'MISS', oid: o, hid: null, distance: NaN });
    });
    hids.forEach((h, j) => {
      if (!hMasked[j]) this.events.push({ frame, type: 'FP', oid: null, hid: h, distance: NaN });
    });
  }
}
