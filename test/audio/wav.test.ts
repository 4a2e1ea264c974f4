import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeWav, downmix, encodeWav, isSilent, pcmToWavBase64, resample, rmsDbfs, toFloat32 } from '../../src/audio';
import { VideoAgentError } from '../../src/errors';

const sine = (f: number, sr: number, sec: number, amp = 0.5) => Float32Array.from({ length: Math.round(sr * sec) }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / sr));

describe('audio/wav', () => {
  it('round-trips 16 kHz mono S16LE through WAV and base64', () => {
    const s16 = Int16Array.from({ length: 1600 }, (_, i) => Math.round(10000 * Math.sin(i / 7)) - (i % 3));
    const wav = encodeWav(Buffer.from(s16.buffer));
    assert.equal(wav.length, 44 + 3200);
    assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
    const back = decodeWav(Buffer.from(pcmToWavBase64(s16), 'base64'));
    assert.equal(back.sampleRate, 16000);
    assert.equal(back.channels, 1);
    assert.deepEqual(Array.from(back.channelData[0], (v) => Math.round(v * 32768)), Array.from(s16));
  });

  it('reads what sox writes: 24-bit stereo and 32-bit float', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wav-'));
    const f24 = path.join(dir, 's24.wav');
    const ff = path.join(dir, 'f32.wav');
    execFileSync('sox', ['-n', '-r', '22050', '-b', '24', '-c', '2', f24, 'synth', '0.5', 'sine', '440', 'gain', '-6']);
    execFileSync('sox', ['-n', '-r', '8000', '-e', 'floating-point', '-b', '32', ff, 'synth', '0.25', 'sine', '300', 'gain', '-6']);
    const a = decodeWav(fs.readFileSync(f24));
    assert.deepEqual([a.sampleRate, a.channels, a.bitsPerSample, a.channelData[0].length], [22050, 2, 24, 11025]);
    const peak = Math.max(...downmix(a).map(Math.abs));
    assert.ok(Math.abs(peak - 0.501) < 0.01, `peak ${peak}`);
    const b = decodeWav(fs.readFileSync(ff));
    assert.deepEqual([b.sampleRate, b.bitsPerSample, b.channelData[0].length], [8000, 32, 2000]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects non-WAV data and odd-length PCM clearly', () => {
    assert.throws(() => decodeWav(Buffer.from('not a wav file at all')), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_WAV');
    assert.throws(() => toFloat32(Buffer.alloc(3)), (e: unknown) => e instanceof VideoAgentError && /even byte length/.test(e.message));
    assert.throws(() => encodeWav(Buffer.alloc(5)), VideoAgentError);
  });
});

describe('audio/level and resample', () => {
  it('measures dBFS and flags silence at a configurable threshold', () => {
    assert.ok(Math.abs(rmsDbfs(sine(440, 16000, 0.5, 1)) - -3.01) < 0.05);
    assert.equal(isSilent(new Int16Array(16000)), true);
    assert.equal(isSilent(Buffer.alloc(0)), true);
    const quiet = sine(440, 16000, 0.5, 0.001); // about -63 dBFS
    assert.equal(isSilent(quiet), true);
    assert.equal(isSilent(quiet, -70), false);
    assert.equal(isSilent(sine(440, 16000, 0.5, 0.1)), false);
  });

  it('resamples 22.05 kHz to 16 kHz keeping frequency and level, and removes content above the new Nyquist', () => {
    const x = sine(1000, 22050, 1, 0.5);
    const y = resample(x, 22050, 16000);
    assert.equal(y.length, 16000);
    // Correlate with a 1 kHz reference at 16 kHz (middle part, away from the edges).
    let dot = 0;
    let norm = 0;
    for (let i = 2000; i < 14000; i++) {
      const r = Math.sin((2 * Math.PI * 1000 * i) / 16000);
      dot += y[i] * r;
      norm += r * r;
    }
    assert.ok(Math.abs(dot / norm - 0.5) < 0.01, `gain ${dot / norm}`);
    const alias = resample(sine(10000, 22050, 1, 0.5), 22050, 16000);
    assert.ok(rmsDbfs(alias.subarray(1000, 15000)) < -60, 'a 10 kHz tone is filtered out, not aliased');
  });
});
