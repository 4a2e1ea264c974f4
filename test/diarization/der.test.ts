import assert from 'node:assert/strict';
import { diarizationErrorRate, type RefTurn } from '../../src/eval/der';

const t = (speaker: string, start: number, end: number): RefTurn => ({ speaker, start, end });
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

describe('eval/der: diarization error rate (hand-computed cases)', () => {
  it('is 0 for a perfect hypothesis under other names, and maps the names', () => {
    const r = diarizationErrorRate([t('A', 0, 10), t('B', 10, 20)], [t('x', 0, 10), t('y', 10, 20)], { collarS: 0 });
    close(r.der, 0);
    assert.deepEqual(r.mapping, { x: 'A', y: 'B' });
    close(r.totalS, 20);
  });

  it('missed speech without collar: 2 s of 10 s', () => {
    const r = diarizationErrorRate([t('A', 0, 10)], [t('x', 0, 8)], { collarS: 0 });
    close(r.missedS, 2); close(r.der, 0.2);
  });

  it('the 0.25 s collar removes ±0.25 s around each reference boundary from scoring', () => {
    // Scored: [0.25, 9.75] = 9.5 s of reference; missed [8, 9.75] = 1.75 s.
    const r = diarizationErrorRate([t('A', 0, 10)], [t('x', 0, 8)]);
    close(r.totalS, 9.5); close(r.missedS, 1.75); close(r.der, 1.75 / 9.5);
  });

  it('speaker confusion: the hypothesis runs 5 s into the second speaker', () => {
    const r = diarizationErrorRate([t('A', 0, 10), t('B', 10, 20)], [t('x', 0, 15), t('y', 15, 20)], { collarS: 0 });
    close(r.confusionS, 5); close(r.der, 0.25);
  });

  it('false alarm from an extra unmapped speaker', () => {
    const r = diarizationErrorRate([t('A', 0, 10)], [t('x', 0, 10), t('y', 12, 14)], { collarS: 0 });
    close(r.falseAlarmS, 2); close(r.der, 0.2);
    assert.deepEqual(r.mapping, { x: 'A' });
  });

  it('overlapped reference speech counts once per speaker (missed, confusion and false alarm together)', () => {
    // A [0,10], B [5,12] → 17 s of reference. x [0,15] maps to A (10 s vs 7 s).
    // [5,10]: 2 ref, 1 hyp → 5 s missed; [10,12]: B spoken, x=A → 2 s confusion; [12,15]: 3 s false alarm.
    const r = diarizationErrorRate([t('A', 0, 10), t('B', 5, 12)], [t('x', 0, 15)], { collarS: 0 });
    close(r.totalS, 17); close(r.missedS, 5); close(r.confusionS, 2); close(r.falseAlarmS, 3); close(r.der, 10 / 17);
  });

  it('uses the optimal mapping, not the greedy one', () => {
    // Overlaps: x–A 5, x–B 4, y–A 4. Greedy (x→A) leaves 8 s confused; optimal x→B, y→A leaves 5 s.
    const r = diarizationErrorRate([t('A', 0, 9), t('B', 9, 13)], [t('y', 0, 4), t('x', 4, 13)], { collarS: 0 });
    assert.deepEqual(r.mapping, { x: 'B', y: 'A' });
    close(r.confusionS, 5); close(r.der, 5 / 13);
  });

  it('overlapping hypothesis turns of one speaker are merged, and an empty hypothesis is all missed', () => {
    close(diarizationErrorRate([t('A', 0, 4)], [t('x', 0, 3), t('x', 2, 4)], { collarS: 0 }).der, 0);
    const r = diarizationErrorRate([t('A', 0, 4), t('B', 4, 6)], [], { collarS: 0 });
    close(r.der, 1); close(r.missedS, 6);
  });
});
