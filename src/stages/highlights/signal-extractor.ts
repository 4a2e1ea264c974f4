/**
 * Topic messages → per-second signal values in [0, 1] for the fuser. Everything that could mean
 * different things on different cameras (loudness, pitch, crowd size, motion, scene distance) is judged
 * against the stream's own running baseline (src/highlights/running-baseline.ts), not a fixed level.
 */
import { rms, rmsToDb, toFloat32 } from '../../audio';
import { RunningBaseline, zToUnit, type BaselineState, type Signal, type SignalFuser } from '../../highlights';
import type { AudioMsg, DetectionsMsg, EmotionsMsg, EventMsg, FrameMsg, TranscriptMsg } from '../../topics';

const SECOND_US = 1_000_000;

export interface ExtractorOptions {
  keywords: string[];
  /** Classes counted for the crowd signal. */
  crowdClasses: string[];
  /** Emotion labels that carry no intensity. */
  calmEmotions: string[];
}

export interface ExtractorState {
  loud: BaselineState;
  pitch: BaselineState;
  crowd: BaselineState;
  motion: BaselineState;
  scene: BaselineState;
  /** The second being accumulated from PCM: [second index, sum of squares, samples]. */
  audioAcc: [number, number, number] | null;
  seenTracks: number[];
  /** trackId → [ptsUs, cx, cy] (normalised) of its last observation. */
  lastPos: [number, number, number, number][];
  lastEmotion: [number, string][];
}

export class SignalExtractor {
  // Spread floors: 1.5 dB of loudness, a semitone of pitch, half a person, 2 % of the frame diagonal per
  // second, 0.02 of scene distance; below them a change is not one a viewer would notice.
  private readonly loud = new RunningBaseline(120, 5, 1.5);
  private readonly pitch = new RunningBaseline(30, 5, 1 / 12);
  private readonly crowd = new RunningBaseline(120, 5, 0.5);
  private readonly motion = new RunningBaseline(120, 5, 0.02);
  private readonly scene = new RunningBaseline(120, 5, 0.02);
  private audioAcc: [number, number, number] | null = null;
  private readonly seenTracks = new Set<number>();
  private readonly lastPos = new Map<number, [number, number, number]>();
  private readonly lastEmotion = new Map<number, string>();
  private readonly keywordRe: RegExp | null;
  private readonly crowdClasses: Set<string>;
  private readonly calm: Set<string>;
  /** Event descriptions by span, for titles. */
  readonly events: { startUs: number; endUs: number; description: string; score: number }[] = [];

  constructor(private readonly fuser: SignalFuser, o: ExtractorOptions, state?: ExtractorState | null) {
    const kw = o.keywords.map((k) => k.trim()).filter(Boolean);
    this.keywordRe = kw.length ? new RegExp(`\\b(${kw.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\b`, 'i') : null;
    this.crowdClasses = new Set(o.crowdClasses);
    this.calm = new Set(o.calmEmotions);
    if (state) this.restore(state);
  }

  /** Loudness per whole second of PCM (16-bit mono), against the stream's running level. */
  onAudio(m: AudioMsg, sampleRate = 16000): void {
    const samples = toFloat32(m.pcm);
    for (let i = 0; i < samples.length;) {
      const us = m.ptsUs + Math.round((i / sampleRate) * 1e6);
      const sec = Math.floor(us / SECOND_US);
      if (!this.audioAcc || this.audioAcc[0] !== sec) {
        if (this.audioAcc) this.closeAudioSecond();
        this.audioAcc = [sec, 0, 0];
      }
      // Samples up to the end of this second.
      const left = Math.max(1, Math.ceil((((sec + 1) * SECOND_US - us) / 1e6) * sampleRate));
      const end = Math.min(samples.length, i + left);
      const r = rms(samples, i, end);
      this.audioAcc[1] += r * r * (end - i);
      this.audioAcc[2] += end - i;
      i = end;
    }
  }

  /** Closes the second being accumulated (end of stream). */
  flushAudio(): void {
    if (this.audioAcc) this.closeAudioSecond();
    this.audioAcc = null;
  }

  private closeAudioSecond(): void {
    const [sec, sumSq, n] = this.audioAcc!;
    if (n < 1600) return; // under 0.1 s: too little to judge
    const db = rmsToDb(Math.sqrt(sumSq / n));
    const z = this.loud.observe(db);
    // Digital silence after sound is not an excursion; only louder-than-usual counts.
    this.add('arousal', sec * SECOND_US, zToUnit(z, 1.5, 4));
  }

  onTranscript(m: TranscriptMsg): void {
    if (m.skipped || m.isSilence) return;
    const f0 = m.prosody?.f0MedianHz;
    if (typeof f0 === 'number' && f0 > 0) {
      // Pitch raised against the stream's recent speech: a second arousal cue, over the segment's span.
      const v = zToUnit(this.pitch.observe(Math.log2(f0)), 1.5, 4);
      if (v > 0) this.addSpan('arousal', m.startUs, m.endUs, v);
    }
    if (!this.keywordRe) return;
    if (m.words.length) {
      for (const w of m.words) if (this.keywordRe.test(w.word)) this.add('keyword', w.startUs, 1);
      // Phrases span words: fall back to the segment text for them.
      if (!m.words.some((w) => this.keywordRe!.test(w.word)) && this.keywordRe.test(m.text)) this.add('keyword', m.startUs, 1);
    } else if (this.keywordRe.test(m.text)) {
      this.add('keyword', m.startUs, 1);
    }
  }

  onDetections(m: DetectionsMsg): void {
    if (m.skipped) return;
    const diag = Math.hypot(m.width, m.height) || 1;
    let crowd = 0;
    let fastest = 0;
    for (const d of m.detections) {
      if (this.crowdClasses.has(d.className)) crowd++;
      if (d.trackId === null) continue;
      const cx = (d.bbox[0] + d.bbox[2]) / 2 / diag;
      const cy = (d.bbox[1] + d.bbox[3]) / 2 / diag;
      if (!this.seenTracks.has(d.trackId)) {
        this.seenTracks.add(d.trackId);
        // Track ids only grow (src/tracking/bytetrack.ts), so the oldest half is safe to forget.
        if (this.seenTracks.size > 4096) for (const id of [...this.seenTracks].sort((a, b) => a - b).slice(0, 2048)) this.seenTracks.delete(id);
        this.add('new_track', m.ptsUs, Math.min(1, d.confidence / 0.5));
      }
      const prev = this.lastPos.get(d.trackId);
      if (prev && m.ptsUs > prev[0]) {
        const speed = Math.hypot(cx - prev[1], cy - prev[2]) / ((m.ptsUs - prev[0]) / 1e6);
        fastest = Math.max(fastest, speed);
      }
      this.lastPos.set(d.trackId, [m.ptsUs, cx, cy]);
    }
    // Forget positions of tracks gone for 10 s (bounded memory on long streams).
    for (const [id, p] of this.lastPos) if (m.ptsUs - p[0] > 10 * SECOND_US) this.lastPos.delete(id);
    this.add('crowd', m.ptsUs, zToUnit(this.crowd.observe(crowd), 1.5, 4));
    // Fast = unusual for this stream and at least 5 % of the frame diagonal per second (no jitter alarms).
    const zm = this.motion.observe(fastest);
    this.add('motion', m.ptsUs, fastest >= 0.05 ? zToUnit(zm, 1.5, 4) : 0);
  }

  onEmotions(m: EmotionsMsg): void {
    if (m.skipped) return;
    for (const f of m.faces) {
      const intense = this.calm.has(f.emotion) ? 0 : f.confidence;
      let changed = 0;
      if (f.trackId !== null) {
        const before = this.lastEmotion.get(f.trackId);
        if (before !== undefined && before !== f.emotion) changed = f.confidence;
        this.lastEmotion.set(f.trackId, f.emotion);
      }
      this.add('emotion', m.ptsUs, Math.max(intense, changed));
    }
  }

  onEvent(m: EventMsg): void {
    this.addSpan('vlm', m.startUs, m.endUs, m.clipWorthyScore);
    this.events.push({ startUs: m.startUs, endUs: m.endUs, description: m.description, score: m.clipWorthyScore });
  }

  onFrame(m: FrameMsg): void {
    if (m.sceneScore === null) return;
    // A cut is both unusual for this stream and a large change in absolute terms.
    const z = this.scene.observe(m.sceneScore);
    this.add('scene', m.ptsUs, zToUnit(z, 2, 5) * Math.min(1, m.sceneScore / 0.3));
  }

  /** Forgets event descriptions that end before `us`. */
  prune(beforeUs: number): void {
    let i = 0;
    while (i < this.events.length && this.events[i]!.endUs < beforeUs) i++;
    if (i) this.events.splice(0, i);
  }

  state(): ExtractorState {
    return {
      loud: this.loud.snapshot(), pitch: this.pitch.snapshot(), crowd: this.crowd.snapshot(), motion: this.motion.snapshot(), scene: this.scene.snapshot(),
      audioAcc: this.audioAcc ? [...this.audioAcc] : null,
      seenTracks: [...this.seenTracks],
      lastPos: [...this.lastPos].map(([id, p]) => [id, ...p]),
      lastEmotion: [...this.lastEmotion],
    };
  }

  private restore(s: ExtractorState): void {
    this.loud.restore(s.loud); this.pitch.restore(s.pitch); this.crowd.restore(s.crowd); this.motion.restore(s.motion); this.scene.restore(s.scene);
    this.audioAcc = s.audioAcc ? [...s.audioAcc] : null;
    for (const id of s.seenTracks) this.seenTracks.add(id);
    for (const [id, us, cx, cy] of s.lastPos) this.lastPos.set(id, [us, cx, cy]);
    for (const [id, e] of s.lastEmotion) this.lastEmotion.set(id, e);
  }

  private add(signal: Signal, us: number, v: number): void {
    if (v > 0) this.fuser.add(signal, us, v);
  }

  private addSpan(signal: Signal, startUs: number, endUs: number, v: number): void {
    if (!(v > 0)) return;
    for (let us = Math.floor(startUs / SECOND_US) * SECOND_US; us < Math.max(endUs, startUs + 1); us += SECOND_US) this.fuser.add(signal, us, v);
  }
}
