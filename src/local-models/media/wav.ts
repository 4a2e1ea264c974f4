/** Format of a PCM WAV file, read from its RIFF header. */
export interface WavFormat {
  audioFormat: number; // 1 = PCM, 0xFFFE = extensible
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Byte offset and length of the `data` chunk. */
  dataOffset: number;
  dataLength: number;
}

/** Returns the WAV format, or undefined when `buf` is not a RIFF/WAVE file with fmt and data chunks. */
export function readWavFormat(buf: Buffer): WavFormat | undefined {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let pos = 12;
  let fmt: Omit<WavFormat, 'dataOffset' | 'dataLength'> | undefined;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    if (id === 'fmt ' && pos + 24 <= buf.length) {
      fmt = {
        audioFormat: buf.readUInt16LE(pos + 8),
        channels: buf.readUInt16LE(pos + 10),
        sampleRate: buf.readUInt32LE(pos + 12),
        bitsPerSample: buf.readUInt16LE(pos + 22),
      };
    } else if (id === 'data' && fmt) {
      // Streamed WAVs may carry a 0 or 0xFFFFFFFF size: take what is there.
      const dataLength = Math.min(size, buf.length - pos - 8);
      return { ...fmt, dataOffset: pos + 8, dataLength };
    }
    pos += 8 + size + (size % 2);
  }
  return undefined;
}

/** True for the exact format pocketsphinx's en-us model wants: 16 kHz mono signed 16-bit PCM. */
export function isSpeechWav(f: WavFormat | undefined): boolean {
  return !!f && f.audioFormat === 1 && f.channels === 1 && f.sampleRate === 16000 && f.bitsPerSample === 16;
}

/** Mono S16 samples of a 16-bit PCM WAV (first channel only). */
export function wavSamples(buf: Buffer, f: WavFormat): Int16Array {
  const frame = f.channels * 2;
  const n = Math.floor(f.dataLength / frame);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(f.dataOffset + i * frame);
  return out;
}
