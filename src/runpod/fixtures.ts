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
  const n = Math.round(seconds * rate);
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 8000), 44 + i * 2);
  return buf;
}
