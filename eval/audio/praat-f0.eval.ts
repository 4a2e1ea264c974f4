import assert from 'node:assert/strict';
import fs from 'node:fs';
import { analyzeProsody, decodeWav, downmix, resample } from '../../src/audio';
import { sharedEvalPath } from '../../src/eval/shared-data';

const SR = 16000;

function readMono16k(file: string): Float32Array {
  const w = decodeWav(fs.readFileSync(file));
  return w.sampleRate === SR ? downmix(w) : resample(downmix(w), w.sampleRate, SR);
}

describe('eval: YIN F0 vs Praat (opensauce_f0)', () => {
  for (const clip of ['beijing_m5_17_c', 'cant_f6_40_b']) {
    it(`agrees with Praat on ${clip} resampled to 16 kHz (median error < 1%)`, () => {
      const p = analyzeProsody(readMono16k(sharedEvalPath('opensauce_f0', 'wav-files', `${clip}.wav`)), { minF0: 40 });
      const f0 = fs.readFileSync(sharedEvalPath('opensauce_f0', 'praat', `sample-${clip}-pF0-1ms.txt`), 'utf8').trim().split('\n').map(Number);
      const times = fs.readFileSync(sharedEvalPath('opensauce_f0', 'praat', `sample-${clip}-ptF0-1ms.txt`), 'utf8').trim().split('\n').map(Number);
      const praat = new Map(times.map((t, i) => [Math.round(t * 1000), f0[i]]));
      const track = p.track!;
      const errors = track.f0Hz.flatMap((f, i) => {
        const ref = praat.get(Math.round((track.startSec + i * track.hopSec) * 1000));
        return f !== null && ref !== undefined ? [Math.abs(f - ref) / ref] : [];
      }).sort((x, y) => x - y);
      assert.ok(errors.length > 50, `${clip}: ${errors.length} frames voiced in both`);
      assert.ok(errors[errors.length >> 1] < 0.01, `${clip}: median error ${errors[errors.length >> 1]}`);
    });
  }
});
