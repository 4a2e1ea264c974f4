import assert from 'node:assert/strict';
import { evaluateSequence, readMotCsv, withOverall, type MotMetrics } from '../../src/eval/mot';
import { sharedEvalPath } from '../../src/eval/shared-data';

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

describe('eval: MOT metrics vs py-motmetrics (motmetrics_tud)', () => {
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
});
