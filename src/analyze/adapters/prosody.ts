/**
 * The stages' prosody port. Interim implementation until src/audio/prosody lands (helper "tracking"):
 * RMS energy in dB, zero-crossing rate and a YIN F0 median (pitchfinder) over 32 ms frames; silence is
 * an RMS below -45 dBFS. Replace the body with the prosody module's calls once it exists.
 */
import { YIN } from 'pitchfinder';
import type { ProsodyPort, ProsodySummary } from '../../stages/ports';

const SILENCE_DB = -45;

export function prosodyPort(): ProsodyPort {
  return {
    analyze: summarise,
    isSilent: (pcm) => rmsDb(pcm) < SILENCE_DB,
  };
}

function rmsDb(pcm: Int16Array): number {
  if (!pcm.length) return -Infinity;
  let s = 0;
  for (let i = 0; i < pcm.length; i++) s += pcm[i] * pcm[i];
  return 20 * Math.log10(Math.sqrt(s / pcm.length) / 32768 + 1e-12);
}

function summarise(pcm: Int16Array, sampleRate: number): ProsodySummary {
  const frame = Math.round(sampleRate * 0.032);
  const detect = YIN({ sampleRate, threshold: 0.15 });
  const f0: number[] = [];
  let zc = 0;
  for (let i = 1; i < pcm.length; i++) if ((pcm[i - 1] < 0) !== (pcm[i] < 0)) zc++;
  for (let off = 0; off + frame <= pcm.length; off += frame) {
    const chunk = pcm.subarray(off, off + frame);
    if (rmsDb(chunk) < SILENCE_DB) continue;
    const f = new Float32Array(frame);
    for (let i = 0; i < frame; i++) f[i] = chunk[i] / 32768;
    const hz = detect(f);
    if (hz && hz >= 50 && hz <= 500) f0.push(hz);
  }
  f0.sort((a, b) => a - b);
  const db = rmsDb(pcm);
  return {
    rmsDb: Number.isFinite(db) ? Math.round(db * 10) / 10 : -120,
    f0MedianHz: f0.length ? Math.round(f0[Math.floor(f0.length / 2)] * 10) / 10 : null,
    f0MinHz: f0.length ? Math.round(f0[0]) : null,
    f0MaxHz: f0.length ? Math.round(f0[f0.length - 1]) : null,
    voicedRatio: Math.round((f0.length / Math.max(1, Math.floor(pcm.length / frame))) * 100) / 100,
    zcr: pcm.length > 1 ? Math.round((zc / (pcm.length - 1)) * 1000) / 1000 : 0,
    durationS: Math.round((pcm.length / sampleRate) * 1000) / 1000,
  };
}
