import { encodeWav } from '../audio/wav';
import jpeg from 'jpeg-js';

/** Small generated media for endpoint checks and benchmarks (nothing downloaded, nothing committed). */

/** A w×h JPEG with a gradient and a dark block (something for a detector to look at). */
export function fixtureJpeg(w = 64, h = 64): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const inBlock = x > w / 4 && x < (3 * w) / 4 && y > h / 4 && y < (3 * h) / 4;
      data[i] = inBlock ? 30 : (x * 255) / w;
      data[i + 1] = inBlock ? 30 : (y * 255) / h;
      data[i + 2] = 128;
      data[i + 3] = 255;
    }
  }
  return Buffer.from(jpeg.encode({ data, width: w, height: h }, 80).data);
}

/** A mono S16LE 16 kHz WAV of a sine tone. */
export function fixtureWav(seconds = 1, hz = 440, rate = 16000): Buffer {
  const samples = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 8000);
  return encodeWav(samples, { sampleRate: rate });
}
