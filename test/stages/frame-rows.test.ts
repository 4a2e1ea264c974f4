import assert from 'node:assert/strict';
import { MemoryBus } from '../../src/bus';
import { MediaPublisher } from '../../src/analyze/media-publisher';
import { StreamGraph } from '../../src/graph/stream-graph';
import { decodeTrackerState, encodeTrackerState } from '../../src/stages/detection/tracker-state';
import type { StageServices } from '../../src/stages';
import type { FrameRow } from '../../src/store';
import { parseVlmReply } from '../../src/runpod/contracts';
import { MemorySink, frame, solidJpeg } from './fakes';

const REPLY = JSON.stringify({ description: 'x', tags: [], clip_worthy_score: 0.1 });
const services = (sink: MemorySink): StageServices => ({
  rows: sink,
  inference: {
    async detect(jpegs) { return { model: 'fake', perImage: jpegs.map(() => []) }; },
    async transcribe() { return { words: [], segments: [], language: null, model: 'fake' }; },
    async describe() { return { model: 'fake', content: REPLY, reply: parseVlmReply(REPLY) }; },
    async emotions() { throw new Error('not used'); },
    async diarize() { throw new Error('not used'); },
  },
});

describe('analyze: frame rows (one writer) and the handed-over tracker state', () => {
  const red = solidJpeg(64, 36, [200, 30, 30]);
  const blue = solidJpeg(64, 36, [20, 40, 210]);
  // 0.25 s apart; frames are scored every 500 ms: frames 0, 2, 4, 6 are scored; the cut is at frame 4.
  const frames = Array.from({ length: 8 }, (_, i) => frame('fr', i * 250_000, i < 4 ? red : blue));

  for (const stages of [['detection', 'vlm'], ['vlm'], ['detection'], []] as const) {
    it(`writes each frame's row exactly once, with its JPEG size and ingest's scene score (stages ${stages.join('+') || 'none'})`, async () => {
      const sink = new MemorySink();
      const rows: FrameRow[] = [];
      const bus = new MemoryBus();
      const graph = new StreamGraph({ bus, streamId: 'fr', stages, live: false, services: services(sink), options: { detection: { maxBatchAgeMs: 10 } } });
      await graph.start();
      const media = new MediaPublisher({ streamId: 'fr', rows: { writeFrames: async (r) => { rows.push(...r); } }, local: bus, localTopics: graph.consumes });
      for (const f of frames) await media.frame(f);
      await graph.finish();
      await bus.close();
      assert.deepEqual(rows.map((r) => r.ptsUs), frames.map((f) => f.ptsUs), 'one row per frame, in order');
      assert.deepEqual(rows.map((r) => r.bytes), frames.map((f) => f.jpeg.length));
      const scores = rows.map((r) => r.sceneScore);
      // First scored frame: nothing to compare with; frames between scored ones: no score.
      assert.deepEqual([scores[0], scores[1], scores[3], scores[5], scores[7]], [null, null, null, null, null]);
      assert.ok((scores[2] as number) < 0.05, `same content scored ${scores[2]}`);
      assert.ok((scores[4] as number) > 0.5, `the cut scored ${scores[4]}`);
      assert.ok((scores[6] as number) < 0.05);
      if (stages.includes('vlm' as never)) assert.ok(sink.events.length >= 1, 'the VLM saw the frames through the bus');
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
