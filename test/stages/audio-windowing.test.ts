import assert from 'node:assert/strict';
import { AudioWindower, ownsSpan, type AudioWindow } from '../../src/stages/audio/windowing';
import { ownedSegments } from '../../src/stages/audio/segments';
import { audioChunks } from './fakes';

function windowsFor(seconds: number, opts = {}) {
  const w = new AudioWindower({ windowS: 5, overlapS: 1, ...opts });
  const out: AudioWindow[] = [];
  for (const c of audioChunks('s', seconds, () => true)) out.push(...w.push(c));
  out.push(...w.flush());
  return out;
}

describe('stages/audio windowing', () => {
  it('cuts aligned 5 s cores with 1 s overlaps and a final partial window', () => {
    const ws = windowsFor(12.3);
    assert.deepEqual(ws.map((w) => [w.coreStartUs, w.coreEndUs]), [[0, 5e6], [5e6, 10e6], [10e6, 12.3e6]]);
    assert.deepEqual(ws.map((w) => [w.sendStartUs, w.sendEndUs]), [[0, 6e6], [4e6, 11e6], [9e6, 12.3e6]]);
    assert.equal(ws[1].pcm.length, 7 * 16000);
    assert.deepEqual(ws.map((w) => w.final), [false, false, true]);
  });

  it('keeps a word that straddles a boundary exactly once (midpoint rule)', () => {
    const ws = windowsFor(12);
    // A word at 4.8–5.4 s (midpoint 5.1) is heard by windows 0 and 1; only window 1 owns it.
    const owners = ws.filter((w) => ownsSpan(w, 4.8e6, 5.4e6));
    assert.equal(owners.length, 1);
    assert.equal(owners[0].coreStartUs, 5e6);
    // Every point of the timeline has exactly one owner.
    for (let t = 0; t < 12e6; t += 137_000) assert.equal(ws.filter((w) => ownsSpan(w, t, t)).length, 1, `t=${t}`);
  });

  it('turns an ASR reply (times relative to the sent audio) into owned segments with absolute times', () => {
    const ws = windowsFor(12);
    const w1 = ws[1]; // sent from 4 s
    const reply = {
      model: 'fake', segments: [],
      words: [
        { word: 'edge', startS: 0.8, endS: 1.4 }, // 4.8–5.4 abs → owned by window 1
        { word: 'before', startS: 0.1, endS: 0.5 }, // 4.1–4.5 → owned by window 0
        { word: 'hello', startS: 2.0, endS: 2.4 },
        { word: '<sil>', startS: 2.4, endS: 2.6 },
        { word: 'world', startS: 2.5, endS: 3.0 },
        { word: 'later', startS: 5.0, endS: 5.3 }, // pause > 0.7 s → new segment
        { word: 'tail', startS: 5.9, endS: 6.4 }, // 9.9–10.4, mid 10.15 → window 2
      ],
    };
    const segs = ownedSegments(w1, reply);
    assert.deepEqual(segs.map((s) => s.text), ['edge hello world', 'later']);
    assert.equal(segs[0].startUs, 4.8e6);
    assert.equal(segs[0].endUs, 7e6);
    assert.equal(segs[1].startUs, 9e6);
  });

  it('fills a short gap in the chunk timeline with silence so later audio keeps its media time', () => {
    const w = new AudioWindower({ windowS: 5, overlapS: 1 });
    const chunks = audioChunks('s', 8, () => true).filter((c) => c.ptsUs < 2e6 || c.ptsUs >= 3e6);
    const ws = [...chunks.flatMap((c) => w.push(c)), ...w.flush()];
    assert.equal(ws[0].pcm.length, 6 * 16000);
    // Samples in the gap are zeros, samples after it are the tone.
    assert.equal(ws[0].pcm[2.5 * 16000], 0);
    assert.notEqual(Math.max(...ws[0].pcm.subarray(3 * 16000 + 10, 3 * 16000 + 200)), 0);
  });
});
