/**
 * The per-track cost bound: a person track is analysed at most once per `intervalUs` of media time, and a
 * frame sends at most `maxFaces` people (largest boxes first: the faces most likely to be readable).
 * Detections without a track id (frames from the tracker's past) share one budget slot.
 */
import type { DetectedObject } from '../../topics';

export const UNTRACKED = 'untracked';

export interface PersonPick { person: DetectedObject; key: string }

export class TrackBudget {
  private readonly lastUs = new Map<string, number>();

  constructor(private readonly intervalUs: number, private readonly maxFaces: number, private readonly maxTracks = 1024, state?: Record<string, number>) {
    for (const [k, v] of Object.entries(state ?? {})) this.lastUs.set(k, v);
  }

  /**
   * The people of a frame to look at now; each one picked books its track for the interval (a person whose
   * face turns out hidden is not looked at again before the interval is over either: that bounds the
   * local face detector's cost as well as the endpoint's).
   */
  pick(ptsUs: number, people: DetectedObject[]): PersonPick[] {
    const due = people
      .map((person) => ({ person, key: person.trackId === null ? UNTRACKED : String(person.trackId) }))
      .filter((p) => { const last = this.lastUs.get(p.key); return last === undefined || ptsUs - last >= this.intervalUs || ptsUs < last; })
      .sort((a, b) => area(b.person.bbox) - area(a.person.bbox));
    const picked: PersonPick[] = [];
    for (const p of due) {
      if (picked.length >= this.maxFaces) break;
      if (picked.some((q) => q.key === p.key)) continue; // untracked people: one per frame
      picked.push(p);
      this.lastUs.delete(p.key); // re-inserted last: the map's order is least recently booked first
      this.lastUs.set(p.key, ptsUs);
    }
    while (this.lastUs.size > this.maxTracks) this.lastUs.delete(this.lastUs.keys().next().value as string);
    return picked;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.lastUs);
  }
}

export function area(b: [number, number, number, number]): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}
