import type { AudioSegmentRow, DetectionRow, EmotionRow, EndpointCallRow, EventRow, FrameRow, HighlightRow, MemoryChunkRow, SkipRow } from '../../src/store/rows';
import { wallClockMs } from '../../src/store/time';

/** A small, deterministic set of rows for one stream, covering every table and the awkward values. */
export function sampleRows(streamId: string, startedAt: number, frames = 10) {
  const at = (ptsUs: number) => ({ streamId, ptsUs, ts: wallClockMs(startedAt, ptsUs) });
  const pts = Array.from({ length: frames }, (_, i) => i * 100_000 + 7); // 10 fps, odd µs to exercise precision
  const frameRows: FrameRow[] = pts.map((p) => ({ ...at(p), width: 640, height: 360, bytes: 30_000 }));
  const detections: DetectionRow[] = pts.flatMap((p) => [0, 1].map((detIdx) => ({
    ...at(p), detIdx, classId: detIdx, className: detIdx ? 'bicycle' : 'person', confidence: 0.9 - detIdx * 0.1,
    bbox: [10.5, 20, 110.25, 220] as [number, number, number, number], trackId: detIdx + 1,
  })));
  const emotions: EmotionRow[] = [{ ...at(pts[1]), faceIdx: 0, emotion: 'happy', confidence: 0.8, scores: { happy: 0.8, neutral: 0.2 }, bbox: [1, 2, 3, 4] }];
  const audio: AudioSegmentRow[] = [
    { ...at(0), startUs: 0, endUs: 2_500_000, text: 'the quick brown fox\tjumps "over" \\ the lazy dog\n', confidence: 0.7, speakerId: 'S1', prosody: { f0Hz: 180.5, energy: 0.3 } },
    { ...at(2_500_000), startUs: 2_500_000, endUs: 5_000_000, text: '', isSilence: true },
  ];
  const events: EventRow[] = [
    { ...at(1_000_000), startUs: 1_000_000, endUs: 3_000_000, description: 'a person rides a bicycle', tags: ['person', 'bike, red', 'quote"d'], clipWorthyScore: 0.9, model: 'rule-based' },
    { ...at(3_000_000), startUs: 3_000_000, endUs: 4_000_000, description: 'nothing happens', tags: [], clipWorthyScore: 0.1, model: 'rule-based' },
  ];
  const highlights: HighlightRow[] = [{ ...at(1_000_000), startUs: 1_000_000, endUs: 3_000_000, score: 0.9, title: 'bike', clipUri: 'file:///tmp/c.mp4' }];
  const memory: MemoryChunkRow[] = [
    { ...at(0), startUs: 0, endUs: 2_500_000, kind: 'transcript', text: 'the quick brown fox jumps over the lazy dog' },
    { ...at(1_000_000), startUs: 1_000_000, endUs: 3_000_000, kind: 'event', text: 'a person rides a bicycle' },
  ];
  const skips: SkipRow[] = [{ ...at(pts[2]), stage: 'detection', reason: 'breaker open', detail: 'yolo: 5 failures' }];
  const calls: EndpointCallRow[] = [
    { streamId, ts: wallClockMs(startedAt, 0), ptsUs: 0, callId: `${streamId}-job-1`, model: 'yolo', endpoint: 'yolo', ms: 120, gpuSeconds: 0.1, costUsd: 0.00004, ok: true },
    { streamId, ts: wallClockMs(startedAt, 100_000), ptsUs: 100_000, model: 'yolo', endpoint: 'yolo', ms: 5000, ok: false, error: 'timeout' },
  ];
  return { frameRows, detections, emotions, audio, events, highlights, memory, skips, calls };
}
