/** In-memory services for stage unit tests: everything a stage writes or publishes is kept for assertions. */
import jpeg from 'jpeg-js';
import type { AudioChunk } from '../../src/types';
import type { DetectedBox } from '../../src/runpod/inference';
import type { AudioSegmentRow, DetectionRow, EmotionRow, EndpointCallRow, EventRow, HighlightRow, MemoryChunkRow, SkipRow, SpeakerTurnRow } from '../../src/store';
import type { RowWriters } from '../../src/stages';
import type { DetectedObject, FrameMsg, GraphTopic, ProsodySummary, TopicMessages } from '../../src/topics';
import type { TrackerPort } from '../../src/stages/detection/bytetrack-port';
import type { ProsodyPort } from '../../src/stages/audio/prosody-port';

export class MemorySink implements RowWriters {
  detections: DetectionRow[] = [];
  emotions: EmotionRow[] = [];
  audio: AudioSegmentRow[] = [];
  events: EventRow[] = [];
  highlights: HighlightRow[] = [];
  memory: MemoryChunkRow[] = [];
  skips: SkipRow[] = [];
  calls: EndpointCallRow[] = [];
  speakerTurns: SpeakerTurnRow[] = [];
  async writeDetections(r: DetectionRow[]) { this.detections.push(...r); }
  async writeEmotions(r: EmotionRow[]) { this.emotions.push(...r); }
  async writeAudioSegments(r: AudioSegmentRow[]) { this.audio.push(...r); }
  async writeEvents(r: EventRow[]) { this.events.push(...r); }
  async writeHighlights(r: HighlightRow[]) { this.highlights.push(...r); }
  async writeMemoryChunks(r: MemoryChunkRow[]) { this.memory.push(...r); }
  async writeSpeakerTurns(r: SpeakerTurnRow[]) { this.speakerTurns.push(...r); }
  async recordSkip(s: SkipRow) { this.skips.push(s); }
  async recordEndpointCall(c: EndpointCallRow) { this.calls.push(c); }
}

/** Collects what a stage publishes, by topic. */
export class MemoryPublisher {
  messages: { topic: GraphTopic; msg: unknown }[] = [];
  readonly publish = async <T extends GraphTopic>(topic: T, msg: TopicMessages[T]) => { this.messages.push({ topic, msg }); };
  of<T extends GraphTopic>(topic: T): TopicMessages[T][] { return this.messages.filter((m) => m.topic === topic).map((m) => m.msg as TopicMessages[T]); }
}

/** Seconds of 16-bit mono audio in a WAV buffer (44-byte header). */
export function wavSeconds(wav: Buffer | Uint8Array | string, sampleRate = 16000): number {
  const bytes = typeof wav === 'string' ? Buffer.from(wav, 'base64').length : wav.length;
  return (bytes - 44) / 2 / sampleRate;
}

/** Assigns ids by class+rounded position so tests can check ids are stable and applied in order. */
export class OrderCheckingTracker implements TrackerPort {
  seen: number[] = [];
  private next = 1;
  private ids = new Map<string, number>();
  update(dets: DetectedBox[], ptsUs: number): DetectedObject[] {
    this.seen.push(ptsUs);
    return dets.map((d) => {
      const key = `${d.classId}:${Math.round(d.bbox[0] / 50)}`;
      if (!this.ids.has(key)) this.ids.set(key, this.next++);
      return { ...d, trackId: this.ids.get(key) ?? null };
    });
  }
  snapshot() { return { next: this.next }; }
}

export const fakeProsody: ProsodyPort = {
  analyze(pcm: Int16Array): ProsodySummary {
    let s = 0;
    for (const v of pcm) s += v * v;
    const rms = Math.sqrt(s / Math.max(1, pcm.length)) / 32768;
    return { rmsDb: 20 * Math.log10(rms + 1e-9), f0MedianHz: null, samples: pcm.length };
  },
  isSilent(pcm: Int16Array): boolean {
    let peak = 0;
    for (const v of pcm) peak = Math.max(peak, Math.abs(v));
    return peak < 100;
  },
};

export function solidJpeg(w: number, h: number, rgb: [number, number, number], split?: [number, number, number]): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const c = split && x >= w / 2 ? split : rgb;
    const i = (y * w + x) * 4;
    data[i] = c[0]; data[i + 1] = c[1]; data[i + 2] = c[2]; data[i + 3] = 255;
  }
  return jpeg.encode({ data, width: w, height: h }, 80).data;
}

let grey: Buffer | null = null;
export function frame(streamId: string, ptsUs: number, jpegData = (grey ??= solidJpeg(32, 18, [100, 100, 100])), sceneScore: number | null = null): FrameMsg {
  return { streamId, ptsUs, ts: 1_700_000_000_000 + ptsUs / 1000, width: 32, height: 18, jpeg: jpegData, sceneScore };
}

/** `seconds` of S16 audio at 16 kHz: a 200 Hz tone where `loud(t)` is true, zeros elsewhere, in 100 ms chunks. */
export function audioChunks(streamId: string, seconds: number, loud: (t: number) => boolean): AudioChunk[] {
  const out: AudioChunk[] = [];
  const per = 1600;
  for (let c = 0; c < (seconds * 16000) / per; c++) {
    const pcm = Buffer.alloc(per * 2);
    for (let i = 0; i < per; i++) {
      const n = c * per + i;
      const t = n / 16000;
      pcm.writeInt16LE(loud(t) ? Math.round(8000 * Math.sin(2 * Math.PI * 200 * t)) : 0, i * 2);
    }
    const ptsUs = Math.round((c * per * 1e6) / 16000);
    out.push({ streamId, ptsUs, ts: 1_700_000_000_000 + ptsUs / 1000, pcm });
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
