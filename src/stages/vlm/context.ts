/**
 * The VLM's view of recent history for one stream: sampled frames, detections and transcript segments,
 * each kept for a bounded span of media time (and a hard count cap) so memory stays flat on a live stream.
 */
/** What the VLM keeps of a frame's detections and of a transcript segment. */
export interface DetectionSummary { ptsUs: number; detections: { className: string; trackId: number | null }[] }
export interface TranscriptLine { startUs: number; endUs: number; text: string }
/** What the VLM keeps of an emotion-stage frame: each face's person track and dominant emotion. */
export interface EmotionSummary { ptsUs: number; faces: { trackId: number | null; emotion: string; confidence: number }[] }

export class RecentHistory<T> {
  private items: T[] = [];
  constructor(private readonly keepUs: number, private readonly maxItems: number, private readonly timeOf: (x: T) => number) {}

  add(item: T): void {
    this.items.push(item);
    // Out-of-order arrivals (detections of an earlier batch) are rare; keep the list sorted anyway.
    if (this.items.length > 1 && this.timeOf(this.items[this.items.length - 2]) > this.timeOf(item)) this.items.sort((a, b) => this.timeOf(a) - this.timeOf(b));
    const newest = this.timeOf(this.items[this.items.length - 1]);
    let drop = 0;
    while (drop < this.items.length && (newest - this.timeOf(this.items[drop]) > this.keepUs || this.items.length - drop > this.maxItems)) drop++;
    if (drop) this.items = this.items.slice(drop);
  }

  between(fromUs: number, toUs: number): T[] {
    return this.items.filter((x) => this.timeOf(x) >= fromUs && this.timeOf(x) <= toUs);
  }

  get size(): number { return this.items.length; }

  /** Every kept item, oldest first. */
  all(): T[] { return [...this.items]; }
}

/** Up to `n` items spread evenly over the list (first and last included). */
export function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  if (n === 1) return [items[Math.floor(items.length / 2)]];
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]);
}

export function summariseDetections(msgs: DetectionSummary[]): string {
  const perClass = new Map<string, { maxPerFrame: number; tracks: Set<number> }>();
  for (const m of msgs) {
    const counts = new Map<string, number>();
    for (const d of m.detections) {
      counts.set(d.className, (counts.get(d.className) ?? 0) + 1);
      const c = perClass.get(d.className) ?? { maxPerFrame: 0, tracks: new Set<number>() };
      if (d.trackId !== null) c.tracks.add(d.trackId);
      perClass.set(d.className, c);
    }
    for (const [k, n] of counts) { const c = perClass.get(k)!; c.maxPerFrame = Math.max(c.maxPerFrame, n); }
  }
  if (!perClass.size) return '(no objects detected)';
  return [...perClass.entries()]
    .sort((a, b) => b[1].maxPerFrame - a[1].maxPerFrame)
    .map(([k, c]) => `- ${k}: up to ${c.maxPerFrame} per frame${c.tracks.size ? `, tracks ${[...c.tracks].sort((a, b) => a - b).join(',')}` : ''}`)
    .join('\n');
}

export function summariseTranscript(segs: TranscriptLine[]): string {
  if (!segs.length) return '(no speech)';
  return segs.map((s) => `[${(s.startUs / 1e6).toFixed(1)}s] ${s.text}`).join('\n');
}

/**
 * The dominant emotions of a window, per person track: the emotion seen most often (ties: the higher total
 * confidence), with how often, e.g. "- facial expression of track 3: happy (4 of 5 looks; also neutral 1)".
 * Empty when no face was analysed in the window.
 */
export function summariseEmotions(msgs: EmotionSummary[]): string {
  const perTrack = new Map<string, Map<string, { n: number; conf: number }>>();
  for (const m of msgs) for (const f of m.faces) {
    const key = f.trackId === null ? 'an untracked person' : `track ${f.trackId}`;
    const counts = perTrack.get(key) ?? new Map<string, { n: number; conf: number }>();
    const c = counts.get(f.emotion) ?? { n: 0, conf: 0 };
    c.n++;
    c.conf += f.confidence;
    counts.set(f.emotion, c);
    perTrack.set(key, counts);
  }
  return [...perTrack.entries()].map(([who, counts]) => {
    const ranked = [...counts.entries()].sort((a, b) => b[1].n - a[1].n || b[1].conf - a[1].conf);
    const total = ranked.reduce((n, [, c]) => n + c.n, 0);
    const [top, c] = ranked[0];
    const rest = ranked.slice(1).map(([e, r]) => `${e} ${r.n}`).join(', ');
    return `- facial expression of ${who}: ${top} (${c.n} of ${total} looks${rest ? `; also ${rest}` : ''})`;
  }).join('\n');
}

export interface SampledFrame { ptsUs: number; ts: number; jpeg: Buffer }
