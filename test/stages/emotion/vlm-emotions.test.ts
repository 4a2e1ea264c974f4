/** The VLM's side of the emotion stage: the window's dominant emotions in its prompt, and waiting for them. */
import assert from 'node:assert/strict';
import { parseVlmReply, type VlmContentPart, type VlmMessage } from '../../../src/runpod/contracts';
import type { DescribePort } from '../../../src/runpod/inference';
import { summariseEmotions } from '../../../src/stages/vlm/context';
import { vlmStage } from '../../../src/stages/vlm';
import { VlmStage } from '../../../src/stages/vlm/vlm-stage';
import type { EmotionsMsg } from '../../../src/topics';
import { MemorySink, MemoryPublisher, frame, solidJpeg } from '../fakes';

const GOOD = JSON.stringify({ description: 'An astronaut smiles.', clip_worthy_score: 0.4, tags: ['face'] });

function describer() {
  const prompts: string[] = [];
  const port: DescribePort = {
    async describe(req) {
      const parts = (req as { messages: VlmMessage[] }).messages[1].content as VlmContentPart[];
      prompts.push(parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n'));
      return { content: GOOD, reply: parseVlmReply(GOOD), model: 'fake-vlm' };
    },
  };
  return { port, prompts };
}

const looked = (ptsUs: number, faces: [number | null, string, number][], skipped: string | null = null): EmotionsMsg => ({
  streamId: 's', ptsUs, ts: 0, width: 64, height: 36, skipped, model: skipped ? null : 'fake',
  faces: faces.map(([trackId, emotion, confidence], faceIdx) => ({ faceIdx, trackId, bbox: [0, 0, 10, 10], emotion, confidence, scores: { [emotion]: confidence } })),
});

describe('stages/vlm with emotions', () => {
  it('summary: the most frequent emotion per track (ties by confidence), with the others counted', () => {
    const text = summariseEmotions([
      { ptsUs: 0, faces: [{ trackId: 3, emotion: 'happy', confidence: 0.9 }, { trackId: 5, emotion: 'sad', confidence: 0.6 }] },
      { ptsUs: 1, faces: [{ trackId: 3, emotion: 'neutral', confidence: 0.5 }, { trackId: 5, emotion: 'angry', confidence: 0.7 }] },
      { ptsUs: 2, faces: [{ trackId: 3, emotion: 'happy', confidence: 0.8 }, { trackId: null, emotion: 'fear', confidence: 0.5 }] },
    ]);
    assert.deepEqual(text.split('\n'), [
      '- facial expression of track 3: happy (2 of 3 looks; also neutral 1)',
      '- facial expression of track 5: angry (1 of 2 looks; also sad 1)',
      '- facial expression of an untracked person: fear (1 of 1 looks)',
    ]);
    assert.equal(summariseEmotions([]), '');
  });

  it('the module consumes emotions (so the graph orders the emotion stage before it)', () => {
    assert.ok(vlmStage.consumes.includes('emotions'));
  });

  it('a window waits for the emotion watermark, then its prompt lists the emotions inside the window only', async () => {
    const { port, prompts } = describer();
    const stage = new VlmStage({ streamId: 's', describe: port, rows: new MemorySink(), publish: new MemoryPublisher().publish, awaitContext: ['emotions'], contextLagS: 0.5, triggers: { periodicS: 1000 } });
    const jpeg = solidJpeg(64, 36, [90, 90, 90]);
    for (let i = 0; i < 12; i++) await stage.onFrame(frame('s', i * 250_000, jpeg)); // the opening window: 0-2 s
    await stage.onEmotions(looked(500_000, [[7, 'happy', 0.9]]));
    await stage.onEmotions(looked(1_000_000, [], 'rate_bound'));
    await stage.onFrame(frame('s', 3_000_000, jpeg));
    assert.equal(prompts.length, 0, 'emotions only known up to 1 s');
    await stage.onEmotions(looked(1_500_000, [[7, 'happy', 0.7]]));
    await stage.onEmotions(looked(2_750_000, [[7, 'sad', 0.8]])); // after the window
    await stage.onFrame(frame('s', 3_250_000, jpeg));
    assert.equal(prompts.length, 1);
    assert.match(prompts[0], /facial expression of track 7: happy \(2 of 2 looks\)/);
    assert.doesNotMatch(prompts[0], /sad/);
    // Handed over: the emotions kept for a later window survive in the state.
    const s = stage.state();
    assert.ok((s.emotions ?? []).some((e) => e.ptsUs === 2_750_000));
  });
});
