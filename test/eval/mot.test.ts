import assert from 'node:assert/strict';
import { MotAccumulator, countMot, deriveMetrics, evaluateSequence, parseMotCsv, readMotCsv, withOverall } from '../../src/eval/mot';
import { groundTruth } from '../tracking/synthetic-scene';
import { corruptedResults, expectedFor } from './synthetic-results';
import { VideoAgentError } from '../../src/errors';

describe('eval/mot', () => {
  it('scores perfect results of a generated scene as perfect', () => {
    const gt = groundTruth({ frames: 20, objects: 3 });
    const m = evaluateSequence('perfect', gt, gt.map((r) => ({ ...r, id: r.id + 100 }))).metrics;
    assert.deepEqual([m.mota, m.idf1, m.recall, m.precision, m.motp], [1, 1, 1, 1, 0]);
    assert.deepEqual([m.numFalsePositives, m.numMisses, m.numSwitches, m.numFragmentations, m.mostlyTracked], [0, 0, 0, 0, 3]);
  });

  it('counts known misses, a false positive, a switch and shifted boxes in a generated scene (hand-computed metrics)', () => {
    const gt = groundTruth({ frames: 20, objects: 3 });
    const r = evaluateSequence('corrupted', gt, corruptedResults(gt));
    const m = r.metrics;
    const e = expectedFor(gt);
    assert.equal(m.numMisses, e.fn);
    assert.equal(m.numFalsePositives, e.fp);
    assert.equal(m.numSwitches, e.idsw);
    assert.equal(m.numFragmentations, e.fm);
    assert.ok(Math.abs(m.mota - e.mota) < 1e-12, `MOTA ${m.mota}`);
    assert.ok(Math.abs(m.motp - e.motp) < 1e-9, `MOTP ${m.motp}`);
    assert.ok(Math.abs(m.idf1 - e.idf1) < 1e-12, `IDF1 ${m.idf1}`);
    assert.ok(Math.abs(m.idp - e.idp) < 1e-12 && Math.abs(m.idr - e.idr) < 1e-12);
    // OVERALL sums the counts: the same sequence twice has the same ratios.
    const overall = withOverall([r, { ...r, name: 'again' }]);
    assert.equal(overall[2].name, 'OVERALL');
    assert.equal(overall[2].metrics.numMisses, 2 * e.fn);
    assert.ok(Math.abs(overall[2].metrics.mota - e.mota) < 1e-12);
  });

  it('follows MOTAccumulator rules: kept matches, switches, misses, false positives, fragmentation', () => {
    const acc = new MotAccumulator();
    acc.update(1, [1, 2], [10, 20], [[0.1, NaN], [NaN, 0.2]]);
    // Hypothesis 10 is now closer to object 2, but object 1 keeps 10 while the pair stays valid.
    acc.update(2, [1, 2], [10, 20], [[0.4, NaN], [0.05, 0.3]]);
    // Object 1 missed, hypothesis 30 is a false positive.
    acc.update(3, [1, 2], [20, 30], [[NaN, NaN], [0.2, NaN]]);
    // Object 1 comes back on hypothesis 20, object 2 on hypothesis 10: two switches.
    acc.update(4, [1, 2], [10, 20], [[NaN, 0.1], [0.1, NaN]]);
    assert.deepEqual(acc.events.map((e) => `${e.frame}:${e.type}:${e.oid ?? '-'}:${e.hid ?? '-'}`), [
      '1:MATCH:1:10', '1:MATCH:2:20', '2:MATCH:1:10', '2:MATCH:2:20', '3:MATCH:2:20', '3:MISS:1:-', '3:FP:-:30',
      '4:SWITCH:1:20', '4:SWITCH:2:10',
    ]);
    const m = deriveMetrics(countMot(acc));
    assert.equal(m.numSwitches, 2);
    assert.equal(m.numFragmentations, 1);
    assert.equal(m.numFalsePositives, 1);
    assert.ok(Math.abs(m.mota - (1 - (1 + 2 + 1) / 8)) < 1e-12);
    // Identity: object 1 co-occurs validly with 10 twice, 2 with 20 three times (+ 2 with 10 twice): IDTP = 5.
    assert.equal(m.idtp, 5);
    assert.ok(Math.abs(m.idf1 - (2 * 5) / (8 + 8)) < 1e-12);
  });

  it('rejects malformed CSV naming the file and line', () => {
    assert.throws(() => parseMotCsv('1,1,10,10,5,5,1\n2,x,1,1\n', 'res.txt'), (e: unknown) => e instanceof VideoAgentError && e.message.startsWith('res.txt:2:'));
    assert.throws(() => readMotCsv('/nonexistent/gt.txt'), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_FILE_NOT_FOUND');
  });
});
