import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeProsody, decodeWav, downmix, float32ToInt16, resample, type ProsodyFeatures } from '../../src/audio';
import { VideoAgentError } from '../../src/errors';

const SR = 16000;
const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';

/** A tone with harmonics (a crude glottal-like source) so the test is not only about pure sines. */
function tone(f0: number, sec: number, harmonics = 1, amp = 0.4): Float32Array {
  return Float32Array.from({ length: Math.round(SR * sec) }, (_, i) => {
    let v = 0;
    for (let h = 1; h <= harmonics; h++) v += Math.sin((2 * Math.PI * f0 * h * i) / SR) / h;
    return amp * v;
  });
}

function noise(sec: number, amp = 0.3, seed = 7): Float32Array {
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Float32Array.from({ length: Math.round(SR * sec) }, () => amp * next());
}

function assertJsonSafe(p: ProsodyFeatures): void {
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p, 'survives a JSON round trip (no NaN / Infinity / undefined)');
}

function readMono16k(file: string): Float32Array {
  const w = decodeWav(fs.readFileSync(file));
  return w.sampleRate === SR ? downmix(w) : resample(downmix(w), w.sampleRate, SR);
}

describe('audio/prosody', () => {
  for (const [f0, harmonics] of [[80, 1], [110, 8], [220, 1], [330, 4], [440, 1]] as const) {
    it(`finds the F0 of a ${f0} Hz tone (${harmonics} harmonics) within 1%`, () => {
      const p = analyzeProsody(float32ToInt16(tone(f0, 1, harmonics)));
      assert.ok(p.f0.medianHz !== null && Math.abs(p.f0.medianHz - f0) / f0 < 0.01, `median ${p.f0.medianHz}`);
      assert.ok(p.f0.minHz! > f0 * 0.99 && p.f0.maxHz! < f0 * 1.01, `range ${p.f0.minHz}-${p.f0.maxHz}`);
      assert.ok(p.f0.voicedFraction > 0.95, `voiced ${p.f0.voicedFraction}`);
      assert.equal(p.silent, false);
    });
  }

  it('accepts Buffer (S16LE), Int16Array and Float32Array alike', () => {
    const f = tone(200, 0.5, 3);
    const s16 = float32ToInt16(f);
    const a = analyzeProsody(f, { includeTrack: false });
    const b = analyzeProsody(s16, { includeTrack: false });
    const c = analyzeProsody(Buffer.from(s16.buffer), { includeTrack: false });
    assert.deepEqual(b, c);
    assert.ok(Math.abs(a.f0.medianHz! - b.f0.medianHz!) < 0.05);
  });

  it('reports silence: silent flag, nothing voiced, JSON-safe', () => {
    const p = analyzeProsody(Buffer.alloc(SR * 2));
    assert.equal(p.silent, true);
    assert.equal(p.f0.voicedFraction, 0);
    assert.equal(p.f0.medianHz, null);
    assert.equal(p.speakingRate.syllableNuclei, 0);
    assert.equal(p.rmsDb, -120);
    assertJsonSafe(p);
    // The threshold is configurable: a -63 dBFS tone is silent by default, not at -70.
    const quiet = tone(200, 1, 1, 0.001);
    assert.equal(analyzeProsody(quiet).silent, true);
    assert.equal(analyzeProsody(quiet, { silenceThresholdDb: -70 }).silent, false);
  });

  it('finds white noise unvoiced with a high zero-crossing rate', () => {
    const p = analyzeProsody(noise(2));
    assert.ok(p.f0.voicedFraction < 0.03, `voiced ${p.f0.voicedFraction}`);
    assert.ok(p.zcr > 0.4 && p.zcr < 0.6, `zcr ${p.zcr}`);
    assert.equal(p.silent, false);
    assertJsonSafe(p);
  });

  it('gives plausible adult F0 and speaking rate on real read speech (pocketsphinx-testdata LibriVox)', () => {
    for (const name of fs.readdirSync(LIBRIVOX).filter((n) => n.endsWith('.wav')).slice(0, 3)) {
      const p = analyzeProsody(readMono16k(path.join(LIBRIVOX, name)));
      const ctx = `${name}: ${JSON.stringify(p.f0)} ${JSON.stringify(p.speakingRate)}`;
      assert.ok(p.f0.medianHz! >= 70 && p.f0.medianHz! <= 300, ctx);
      assert.ok(p.f0.voicedFraction > 0.2 && p.f0.voicedFraction < 0.9, ctx);
      assert.ok(p.speakingRate.syllablesPerSecond > 1.5 && p.speakingRate.syllablesPerSecond < 8, ctx);
      assert.ok(p.zcr > 0 && p.zcr < 0.3, ctx);
      assert.equal(p.silent, false);
      assert.equal(p.track!.f0Hz.length, p.track!.rmsDb.length);
      assertJsonSafe(p);
    }
  });

  it('counts syllable nuclei close to the transcripts of the LibriVox clips', () => {
    // Syllables counted by hand from pocketsphinx-testdata's librivox/transcription, in file order.
    const syllables = [30, 9, 20, 27, 13];
    const files = fs.readdirSync(LIBRIVOX).filter((n) => n.endsWith('.wav')).sort();
    assert.equal(files.length, syllables.length);
    const found = files.map((n) => analyzeProsody(readMono16k(path.join(LIBRIVOX, n)), { includeTrack: false }).speakingRate.syllableNuclei);
    const total = found.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 99) / 99 < 0.2, `found ${found.join(',')} = ${total} vs 99`);
    found.forEach((f, i) => assert.ok(Math.abs(f - syllables[i]) / syllables[i] < 0.4, `${files[i]}: ${f} vs ${syllables[i]}`));
  });

  it('tracks flite speech: voiced, in the synthetic voice range, more syllables for more text', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flite-'));
    const short = path.join(dir, 'short.wav');
    const long = path.join(dir, 'long.wav');
    execFileSync('flite', ['-voice', 'slt', '-t', 'Hello there.', '-o', short]);
    execFileSync('flite', ['-voice', 'slt', '-t', 'The quick brown fox jumps over the lazy dog, and then it runs away into the forest.', '-o', long]);
    const a = analyzeProsody(readMono16k(short));
    const b = analyzeProsody(readMono16k(long));
    for (const p of [a, b]) assert.ok(p.f0.medianHz! > 120 && p.f0.medianHz! < 280 && p.f0.voicedFraction > 0.2, JSON.stringify(p.f0));
    assert.ok(b.speakingRate.syllableNuclei > a.speakingRate.syllableNuclei + 5, `${a.speakingRate.syllableNuclei} vs ${b.speakingRate.syllableNuclei}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('follows a gliding F0 frame by frame (one octave in 1.5 s, 110 to 220 Hz, 5 harmonics: median error < 1%)', () => {
    // f0(t) = 110 · 2^(t / 1.5): the phase is its integral, so every frame's true F0 is known exactly.
    const dur = 1.5;
    const f0At = (t: number) => 110 * 2 ** (t / dur);
    const k = dur / Math.LN2;
    const glide = Float32Array.from({ length: Math.round(SR * dur) }, (_, i) => {
      const phase = 2 * Math.PI * 110 * k * (2 ** (i / SR / dur) - 1);
      let v = 0;
      for (let h = 1; h <= 5; h++) v += Math.sin(h * phase) / h;
      return 0.3 * v;
    });
    const p = analyzeProsody(glide);
    const track = p.track!;
    const errors = track.f0Hz.flatMap((f, i) => (f === null ? [] : [Math.abs(f - f0At(track.startSec + i * track.hopSec)) / f0At(track.startSec + i * track.hopSec)])).sort((a, b) => a - b);
    assert.ok(p.f0.voicedFraction > 0.9, `voiced ${p.f0.voicedFraction}`);
    assert.ok(errors[errors.length >> 1] < 0.01, `median error ${errors[errors.length >> 1]}`);
    // The track rises: its first voiced quarter is below its last (an octave apart in truth).
    const voiced = track.f0Hz.filter((f): f is number => f !== null);
    const q = voiced.length >> 2;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(voiced.slice(-q)) > 1.6 * mean(voiced.slice(0, q)), `${mean(voiced.slice(0, q))} -> ${mean(voiced.slice(-q))}`);
  });

  it('rejects impossible options clearly', () => {
    assert.throws(() => analyzeProsody(tone(100, 0.2), { minF0: 300, maxF0: 100 }), (e: unknown) => e instanceof VideoAgentError && /F0 range/.test(e.message));
    assert.throws(() => analyzeProsody(tone(100, 0.2), { sampleRate: 100 }), VideoAgentError);
  });

  it('handles chunks shorter than one analysis frame', () => {
    const p = analyzeProsody(tone(200, 0.01));
    assert.equal(p.f0.voicedFraction, 0);
    assert.deepEqual(p.track!.f0Hz, []);
    assertJsonSafe(p);
  });
});
