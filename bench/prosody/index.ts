/**
 * Prosody benchmark.
 *  1. F0 accuracy: per opensauce clip (shared/eval/opensauce_f0, 22.05 kHz real speech), median F0 error of
 *     analyzeProsody on 16 kHz-resampled audio against the Praat, Snack and REAPER tracks, on frames voiced in
 *     both, plus the gross-error rate (> 20% off) and voicing agreement with Praat. Baseline measured in the
 *     same run: pitchfinder's YIN (the npm library) on the same frames, no voicing post-processing.
 *  2. Speed: real-time factor (processing time / audio time) on 60 s of Debian LibriVox speech in 5 s chunks,
 *     the way the audio stage calls it; the same for the pitchfinder baseline.
 * `--quick`: three clips and 20 s of speech.
 */
import fs from 'node:fs';
import path from 'node:path';
import { YIN } from 'pitchfinder';
import { analyzeProsody, decodeWav, downmix, resample } from '../../src/audio';
import { yinLayout } from '../../src/audio/prosody';
import { sharedEvalPath } from '../../src/eval/shared-data';

const quick = process.argv.includes('--quick');
const SR = 16000;
const HOP = 0.01;
const MIN_F0 = 40; // Praat reference floor 40 Hz, ceiling 500 Hz
const MAX_F0 = 500;

type Track = Map<number, number>; // time in ms -> F0 Hz (voiced frames only)

const readNumbers = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map(Number);

function referenceTracks(clip: string): Record<'praat' | 'snack' | 'reaper', Track> {
  const dir = sharedEvalPath('opensauce_f0');
  const pf = readNumbers(`${dir}/praat/sample-${clip}-pF0-1ms.txt`);
  const pt = readNumbers(`${dir}/praat/sample-${clip}-ptF0-1ms.txt`);
  const sf = readNumbers(`${dir}/snack/sample-${clip}-sF0-1ms.txt`);
  const rf = readNumbers(`${dir}/reaper/sample-${clip}-reaperF0-1ms.txt`);
  const rt = readNumbers(`${dir}/reaper/sample-${clip}-rtF0-1ms.txt`);
  const voiced = (t: number[], f: number[]): Track => new Map(t.flatMap((ti, i) => (f[i] > 0 ? [[Math.round(ti * 1000), f[i]] as [number, number]] : [])));
  return {
    praat: voiced(pt, pf),
    // Snack lists one frame per ms with no times; its first frame is centred half its 50 ms span in
    // (the list is ~50 ms shorter than the audio).
    snack: voiced(sf.map((_, i) => 0.025 + i / 1000), sf),
    reaper: voiced(rt, rf),
  };
}

interface Comparison {
  medianPct: number;
  grossPct: number;
  frames: number;
}

function compare(ours: Track, ref: Track): Comparison {
  const errs: number[] = [];
  for (const [ms, f] of ours) {
    const r = ref.get(ms);
    if (r !== undefined) errs.push(Math.abs(f - r) / r);
  }
  errs.sort((a, b) => a - b);
  return {
    medianPct: errs.length ? 100 * errs[errs.length >> 1] : NaN,
    grossPct: errs.length ? (100 * errs.filter((e) => e > 0.2).length) / errs.length : NaN,
    frames: errs.length,
  };
}

/** Voicing agreement with the reference over our frame times. */
function voicingAgreement(times: number[], ours: Track, ref: Track): number {
  return times.filter((ms) => ours.has(ms) === ref.has(ms)).length / times.length;
}

function ourTrack(x: Float32Array): { track: Track; times: number[] } {
  const p = analyzeProsody(x, { minF0: MIN_F0, maxF0: MAX_F0, hopSec: HOP });
  const tr = p.track!;
  const times = tr.f0Hz.map((_, i) => Math.round((tr.startSec + i * tr.hopSec) * 1000));
  return { track: new Map(times.flatMap((ms, i) => (tr.f0Hz[i] !== null ? [[ms, tr.f0Hz[i] as number] as [number, number]] : []))), times };
}

/** pitchfinder YIN on 1025-sample frames centred on the same times (it analyses the largest power of two below the length). */
function baselineTrack(x: Float32Array, times: number[]): Track {
  const detect = YIN({ sampleRate: SR });
  const track: Track = new Map();
  for (const ms of times) {
    const start = Math.round((ms / 1000) * SR) - 512;
    if (start < 0 || start + 1025 > x.length) continue;
    const f = detect(x.subarray(start, start + 1025));
    if (f !== null && f >= MIN_F0 && f <= MAX_F0) track.set(ms, f);
  }
  return track;
}

const fmt = (v: number, d = 2) => (Number.isNaN(v) ? '-' : v.toFixed(d));

// 1. Accuracy
const clips = ['beijing_f3_50_a', 'beijing_m5_17_c', 'cant_f6_40_b', 'cant_f6_95_b', 'hmong_f4_18_b', 'hmong_f4_24_d', 'hmong_m6_24_c'].slice(0, quick ? 3 : 7);
console.log('F0 vs reference trackers, 16 kHz (resampled from 22.05 kHz), frames voiced in both; median |error| % (gross >20% errors %)');
console.log('clip              Praat          Snack          REAPER         | V/UV agree Praat | baseline: pitchfinder YIN vs Praat | ratio ours/base');
const oursMedians: number[] = [];
const baseMedians: number[] = [];
for (const clip of clips) {
  const wav = decodeWav(fs.readFileSync(sharedEvalPath('opensauce_f0', 'wav-files', `${clip}.wav`)));
  const x = resample(downmix(wav), wav.sampleRate, SR);
  const refs = referenceTracks(clip);
  const { track, times } = ourTrack(x);
  const base = baselineTrack(x, times);
  const [p, s, r] = [compare(track, refs.praat), compare(track, refs.snack), compare(track, refs.reaper)];
  const b = compare(base, refs.praat);
  oursMedians.push(p.medianPct);
  baseMedians.push(b.medianPct);
  const cell = (c: Comparison) => `${fmt(c.medianPct)} (${fmt(c.grossPct, 1)})`.padEnd(15);
  console.log(
    `${clip.padEnd(18)}${cell(p)}${cell(s)}${cell(r)}| ${(100 * voicingAgreement(times, track, refs.praat)).toFixed(1).padStart(9)}%       | ${cell(b)}on ${String(b.frames).padStart(4)} frames | ${fmt(p.medianPct / b.medianPct)} (ours on ${p.frames})`,
  );
}
const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`median over clips: ours ${fmt(med(oursMedians), 3)}% vs Praat, pitchfinder YIN ${fmt(med(baseMedians), 3)}%`);

// 2. Real-time factor
const seconds = quick ? 20 : 60;
const dir = '/usr/share/pocketsphinx/test/data/librivox';
const clipsPcm = fs.readdirSync(dir).filter((n) => n.endsWith('.wav')).sort().map((n) => {
  const w = decodeWav(fs.readFileSync(path.join(dir, n)));
  return w.sampleRate === SR ? downmix(w) : resample(downmix(w), w.sampleRate, SR);
});
const speech = new Float32Array(seconds * SR);
for (let off = 0, k = 0; off < speech.length; k++) {
  const c = clipsPcm[k % clipsPcm.length].subarray(0, speech.length - off);
  speech.set(c, off);
  off += c.length;
}
const chunk = 5 * SR;
analyzeProsody(speech.subarray(0, chunk)); // warm-up
let t0 = process.hrtime.bigint();
let voiced = 0;
for (let off = 0; off < speech.length; off += chunk) voiced += analyzeProsody(speech.subarray(off, off + chunk)).f0.voicedFraction;
const oursSec = Number(process.hrtime.bigint() - t0) / 1e9;
const detect = YIN({ sampleRate: SR });
const hop = yinLayout({ sampleRate: SR, hopSec: HOP }).hop;
t0 = process.hrtime.bigint();
for (let start = 0; start + 1025 <= speech.length; start += hop) detect(speech.subarray(start, start + 1025));
const baseSec = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`\nreal-time factor on ${seconds} s of LibriVox speech (5 s chunks, 10 ms hop): prosody ${(oursSec / seconds).toFixed(4)} (${(seconds / oursSec).toFixed(0)}x real time, ${(oursSec * 1000).toFixed(0)} ms), mean voiced fraction ${(voiced / (seconds / 5)).toFixed(2)}`);
console.log(`baseline pitchfinder YIN alone (F0 only) ${(baseSec / seconds).toFixed(4)}; ratio ours/baseline time ${(oursSec / baseSec).toFixed(2)}`);
