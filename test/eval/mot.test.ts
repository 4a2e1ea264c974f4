import assert from 'node:assert/strict';
import { MotAccumulator, countMot, deriveMetrics, evaluateSequence, parseMotCsv, readMotCsv, withOverall, type MotMetrics } from '../../src/eval/mot';
import { sharedEvalPath } from '../../src/eval/shared-data';
import { VideoAgentError } from '../../src/errors';

const data = (seq: string, file: string) => sharedEvalPath('motmetrics_tud', 'upstream', 'motmetrics', 'data', seq, file);

/** Expected values, copied from motmetrics_tud/SOURCE.txt (py-motmetrics test_motchallenge_files). */
const EXPECTED: Record<string, number[]> = {
  'TUD-Campus': [0.557659, 0.72973, 0.451253, 0.582173, 0.941441, 8, 1, 6, 1, 13, 150, 7, 7, 0.526462, 0.277201],
  'TUD-Stadtmitte': [0.644619, 0.81976, 0.531142, 0.608997, 0.93992, 10, 5, 4, 1, 45, 452, 7, 6, 0.564014, 0.345904],
  OVERALL: [0.624296, 0.799176, 0.512211, 0.60264, 0.940268, 18, 6, 10, 2, 58, 602, 14, 13, 0.555116, 0.330177],
};
const COLUMNS: [string, (m: MotMetrics) => number][] = [
  ['idf1', (m) => m.idf1], ['idp', (m) => m.idp], ['idr', (m) => m.idr], ['recall', (m) => m.recall],
  ['precision', (m) => m.precision], ['num_unique_objects', (m) => m.numUniqueObjects], ['MT', (m) => m.mostlyTracked],
  ['PT', (m) => m.partiallyTracked], ['ML', (m) => m.mostlyLost], ['FP', (m) => m.numFalsePositives], ['FN', (m) => m.numMisses],
  ['IDSW', (m) => m.numSwitches], ['FM', (m) => m.numFragmentations], ['MOTA', (m) => m.mota], ['MOTP', (m) => m.motp],
];

describe('eval/mot', () => {
  it('reproduces the py-motmetrics TUD table (every column, 1e-3)', () => {
    const rows = withOverall(['TUD-Campus', 'TUD-Stadtmitte'].map((s) => evaluateSequence(s, readMotCsv(data(s, 'gt.txt')), readMotCsv(data(s, 'test.txt')))));
    assert.deepEqual(rows.map((r) => r.name), ['TUD-Campus', 'TUD-Stadtmitte', 'OVERALL']);
    for (const r of rows) {
      COLUMNS.forEach(([name, get], k) => {
        const got = get(r.metrics);
        assert.ok(Math.abs(got - EXPECTED[r.name][k]) <= 1e-3, `${r.name} ${name}: ${got} vs ${EXPECTED[r.name][k]}`);
      });
    }
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
