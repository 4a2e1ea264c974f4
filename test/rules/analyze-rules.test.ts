import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { dryRunRule, ruleSchema } from '../../src/rules';
import { parseStages } from '../../src/stages';
import { e2eEnv, rows, type E2eEnv } from '../e2e/helpers';
import { sceneCutClip } from '../e2e/media';

// The whole frame: the stub yolo's one person per image (a box overhanging the 320×180 frame) stands in it.
const FRAME: [number, number][] = [[0, 0], [1, 0], [1, 1], [0, 1]];

describe('rules stage in `analyze`: detection → rules → alerts rows, the dry-run agrees', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  before(async () => { env = await e2eEnv('rules_analyze', { emulator: { endpoints: { yolo: { backend: 'stub', model: 'yolo', stub: { baseMs: 5, perItemMs: 1 } } } } }); });
  after(async () => { await env?.close(); });

  it('a person standing 2 s in the zone fires once; analysing the file again stores nothing new; the dry-run over the stored rows finds the same alert', async () => {
    const rule = { id: 'stay', kind: 'zone_dwell', polygon: FRAME, dwellS: 2 };
    const run = () => analyzeSource(env.rt, {
      input: sceneCutClip(), stages: parseStages('detection,rules'), fps: 5, streamId: 'rules-file', stageOptions: { rules: { rules: [rule], refreshS: 0 } },
    });
    const first = await run();
    assert.ok(first.ingest.frames >= 30, `${first.ingest.frames} frames`);
    assert.equal((first.stages.rules as { fired: number }).fired, 1);
    const stored = await rows<{ alert_id: string; pts_us: string; payload: { track_id: number; dwell_s: number } }>(env.store.pool, "SELECT alert_id, pts_us, payload FROM alerts WHERE stream_id = 'rules-file'");
    assert.equal(stored.length, 1);
    assert.ok(stored[0]!.payload.dwell_s >= 2 && stored[0]!.payload.dwell_s < 2.5, JSON.stringify(stored[0]));
    const second = await run();
    assert.deepEqual([(second.stages.rules as { fired: number; duplicates: number }).fired, (second.stages.rules as { duplicates: number }).duplicates], [0, 1]);
    assert.equal((await rows(env.store.pool, "SELECT 1 FROM alerts WHERE stream_id = 'rules-file'")).length, 1, 'the same alert id: stored once');
    const dry = await dryRunRule(env.store.pool, { rule: ruleSchema.parse(rule), streamId: 'rules-file' });
    assert.deepEqual(dry.alerts.map((a) => [a.alertId, a.ptsUs]), [[stored[0]!.alert_id, Number(stored[0]!.pts_us)]]);
  });
});
