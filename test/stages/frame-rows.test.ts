import assert from 'node:assert/strict';
import { StreamAnalyzer, type AnalyzerPorts } from '../../src/analyze/stream-analyzer';
import { decodeTrackerState, encodeTrackerState } from '../../src/analyze/tracker-state';
import type { DescribePort, DetectPort, TranscribePort } from '../../src/stages/ports';
import { MemorySink, OrderCheckingTracker, fakeProsody, frame, solidJpeg } from './fakes';

const detect: DetectPort = { async detect(_s, jpegs) { return { model: 'fake', perImage: jpegs.map(() => []) }; } };
const transcribe: TranscribePort = { async transcribe() { return { words: [], segments: [], model: 'fake' }; } };
const describe_: DescribePort = { async describe() { return { model: 'fake', content: JSON.stringify({ description: 'x', tags: [], clip_worthy_score: 0.1 }) }; } };

describe('analyze: frame rows (bytes, scene_score) and the handed-over tracker state', () => {
  const red = solidJpeg(64, 36, [200, 30, 30]);
  const blue = solidJpeg(64, 36, [20, 40, 220]);
  // 0.25 s apart; the VLM samples every 500 ms: frames 0, 2, 4, 6 are sampled; the cut is at frame 4.
  const frames = Array.from({ length: 8 }, (_, i) => frame('fr', i * 250_000, i < 4 ? red : blue));

  for (const stages of [['detection', 'vlm'], ['vlm']] as const) {
    it(`stores each frame's JPEG size and the VLM's scene distance for sampled frames (stages ${stages.join('+')})`, async () => {
      const sink = new MemorySink();
      const ports: AnalyzerPorts = { detect, transcribe, describe: describe_, prosody: fakeProsody, trackerFactory: () => new OrderCheckingTracker(), sink };
      const a = new StreamAnalyzer({ streamId: 'fr', stages: new Set(stages), live: false, ports, tuning: { maxBatchAgeMs: 10 } });
      for (const f of frames) await a.onFrame(f);
      await a.finish();
      const rows = [...sink.frames].sort((x, y) => x.ptsUs - y.ptsUs);
      assert.equal(rows.length, 8);
      assert.deepEqual(rows.map((r) => r.bytes), frames.map((f) => f.jpeg.length));
      const scores = rows.map((r) => r.sceneScore);
      // First sampled frame: nothing to compare with; unsampled frames: no score.
      assert.deepEqual([scores[0], scores[1], scores[3], scores[5], scores[7]], [null, null, null, null, null]);
      assert.ok((scores[2] as number) < 0.05, `same content scored ${scores[2]}`);
      assert.ok((scores[4] as number) > 0.5, `the cut scored ${scores[4]}`);
      assert.ok((scores[6] as number) < 0.05);
    });
  }

  it('tracker state round-trips with its pts watermark; unreadable state is refused; a bare snapshot is accepted', () => {
    const s = { tracker: { frameId: 3, tracked: [] }, trackedUpToUs: 600_000 };
    assert.deepEqual(decodeTrackerState(encodeTrackerState(s)), s);
    assert.equal(decodeTrackerState('{not json'), null);
    assert.equal(decodeTrackerState(JSON.stringify({ v: 1, tracker: {} })), null, 'missing watermark');
    assert.deepEqual(decodeTrackerState(JSON.stringify({ frameId: 2 })), { tracker: { frameId: 2 }, trackedUpToUs: -1 });
  });
});
