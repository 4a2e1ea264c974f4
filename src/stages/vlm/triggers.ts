/**
 * When to call the VLM. Calling per frame would cost a GPU call per frame for mostly identical answers;
 * instead a call is triggered by something worth describing (a scene change, a new track, a prosody peak,
 * a keyword) or by a periodic floor (including the stream's opening) so a quiet stream still gets a
 * description now and then. Triggers
 * closer than `minGapS` to the previous call are merged into it rather than causing another call.
 */

export type TriggerKind = 'scene_change' | 'new_track' | 'prosody_peak' | 'keyword' | 'periodic';

export interface Trigger {
  kind: TriggerKind;
  atUs: number;
  detail: string;
}

export interface TriggerOptions {
  sceneThreshold?: number;
  /** A segment louder than the running mean by this many dB is a prosody peak. */
  prosodyPeakDb?: number;
  keywords?: string[];
  /** Longest media time without a call. */
  periodicS?: number;
  /** Shortest media time between two calls. */
  minGapS?: number;
}

export const DEFAULT_KEYWORDS = ['goal', 'help', 'fire', 'look', 'wow', 'amazing', 'watch out', 'stop', 'danger', 'important'];

export interface TriggerPolicyState {
  seenTracks: number[];
  loudness: { mean: number; n: number };
  lastCallUs: number | null;
  firstUs: number | null;
}

export class TriggerPolicy {
  readonly sceneThreshold: number;
  private readonly prosodyPeakDb: number;
  private readonly keywords: RegExp | null;
  private readonly periodicUs: number;
  readonly minGapUs: number;
  private readonly seenTracks = new Set<number>();
  private loudness = { mean: 0, n: 0 };
  private lastCallUs: number | null = null;
  private firstUs: number | null = null;

  /** What the policy remembers, for hand-over between workers (the newest 1000 track ids). */
  snapshot(): TriggerPolicyState {
    return { seenTracks: [...this.seenTracks].slice(-1000), loudness: { ...this.loudness }, lastCallUs: this.lastCallUs, firstUs: this.firstUs };
  }

  restore(s: TriggerPolicyState): void {
    this.seenTracks.clear();
    for (const id of s.seenTracks) this.seenTracks.add(id);
    this.loudness = { ...s.loudness };
    this.lastCallUs = s.lastCallUs;
    this.firstUs = s.firstUs;
  }

  constructor(opts: TriggerOptions = {}) {
    this.sceneThreshold = opts.sceneThreshold ?? 0.3;
    this.prosodyPeakDb = opts.prosodyPeakDb ?? 8;
    const kw = (opts.keywords ?? DEFAULT_KEYWORDS).map((k) => k.trim()).filter(Boolean);
    this.keywords = kw.length ? new RegExp(`\\b(${kw.map(escapeRe).join('|')})\\b`, 'i') : null;
    this.periodicUs = (opts.periodicS ?? 10) * 1e6;
    this.minGapUs = (opts.minGapS ?? 4) * 1e6;
  }

  onSceneDistance(atUs: number, distance: number): Trigger[] {
    const out: Trigger[] = [];
    // The opening of a stream is always described once, so even a short clip gets an event.
    if (this.firstUs === null) out.push({ kind: 'periodic', atUs, detail: 'stream start' });
    this.noteTime(atUs);
    if (distance >= this.sceneThreshold) out.push({ kind: 'scene_change', atUs, detail: `distance ${distance.toFixed(2)}` });
    if (this.firstUs !== null && atUs - (this.lastCallUs ?? this.firstUs) >= this.periodicUs) {
      out.push({ kind: 'periodic', atUs, detail: `no description for ${this.periodicUs / 1e6}s` });
    }
    return out;
  }

  onTracks(atUs: number, trackIds: number[]): Trigger[] {
    const fresh = trackIds.filter((id) => !this.seenTracks.has(id));
    for (const id of fresh) this.seenTracks.add(id);
    return fresh.length ? [{ kind: 'new_track', atUs, detail: `new track${fresh.length > 1 ? 's' : ''} ${fresh.join(',')}` }] : [];
  }

  onTranscript(startUs: number, text: string, rmsDb: number | null): Trigger[] {
    const out: Trigger[] = [];
    const m = this.keywords?.exec(text);
    if (m) out.push({ kind: 'keyword', atUs: startUs, detail: `"${m[1].toLowerCase()}"` });
    if (rmsDb !== null && Number.isFinite(rmsDb)) {
      const { mean, n } = this.loudness;
      if (n >= 3 && rmsDb - mean >= this.prosodyPeakDb) out.push({ kind: 'prosody_peak', atUs: startUs, detail: `${(rmsDb - mean).toFixed(1)} dB above mean` });
      this.loudness = { mean: (mean * n + rmsDb) / (n + 1), n: n + 1 };
    }
    return out;
  }

  /** True when a trigger at `atUs` is far enough from the last call to warrant a new one. */
  allows(atUs: number): boolean {
    return this.lastCallUs === null || Math.abs(atUs - this.lastCallUs) >= this.minGapUs;
  }

  noteCall(atUs: number): void { this.lastCallUs = atUs; }

  private noteTime(atUs: number): void { if (this.firstUs === null) this.firstUs = atUs; }
}

function escapeRe(s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
