/**
 * WAV (RIFF) encoding and decoding. Encoding writes 16-bit PCM (what Whisper-style endpoints expect as
 * `audio_base64`); decoding reads PCM 8/16/24/32-bit and IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE,
 * and skips chunks it does not need (LIST, fact, ...).
 */
import { VideoAgentError } from '../errors';
import { AUDIO_SAMPLE_RATE } from '../types';
import { float32ToInt16, type PcmInput } from './pcm';

export interface WavOptions {
  sampleRate?: number;
  channels?: number;
}

export interface DecodedWav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** One Float32Array per channel, samples in [-1, 1]. */
  channelData: Float32Array[];
}

/** PCM (S16LE Buffer, Int16Array, or Float32Array in [-1, 1]; interleaved if several channels) to a WAV file. */
export function encodeWav(pcm: PcmInput, opts: WavOptions = {}): Buffer {
  const sampleRate = opts.sampleRate ?? AUDIO_SAMPLE_RATE;
  const channels = opts.channels ?? 1;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new VideoAgentError('E_BAD_PCM', `invalid WAV sample rate ${sampleRate}`);
  if (!Number.isInteger(channels) || channels <= 0) throw new VideoAgentError('E_BAD_PCM', `invalid WAV channel count ${channels}`);
  let data: Buffer;
  if (Buffer.isBuffer(pcm)) {
    if (pcm.length % 2 !== 0) throw new VideoAgentError('E_BAD_PCM', `S16LE PCM must have an even byte length, got ${pcm.length} bytes`);
    data = pcm;
  } else {
    // Int16 samples in memory are little-endian on every platform Node supports.
    const s16 = pcm instanceof Int16Array ? pcm : float32ToInt16(pcm);
    data = Buffer.from(s16.buffer, s16.byteOffset, s16.byteLength);
  }
  const samples = data.length / 2;
  if (samples % channels !== 0) throw new VideoAgentError('E_BAD_PCM', `${samples} samples do not divide into ${channels} channels`);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** The base64 WAV a transcription endpoint takes, from 16 kHz mono S16LE PCM by default. */
export function pcmToWavBase64(pcm: PcmInput, opts: WavOptions = {}): string {
  return encodeWav(pcm, opts).toString('base64');
}

function bad(msg: string): never {
  throw new VideoAgentError('E_BAD_WAV', `not a readable WAV file: ${msg}`);
}

export function decodeWav(file: Buffer): DecodedWav {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') bad('missing RIFF/WAVE header');
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | null = null;
  let data: Buffer | null = null;
  for (let off = 12; off + 8 <= file.length; ) {
    const id = file.toString('ascii', off, off + 4);
    const size = file.readUInt32LE(off + 4);
    const body = file.subarray(off + 8, Math.min(file.length, off + 8 + size));
    if (id === 'fmt ') {
      if (body.length < 16) bad('short fmt chunk');
      let format = body.readUInt16LE(0);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (format === 0xfffe && body.length >= 26) format = body.readUInt16LE(24);
      fmt = { format, channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
    } else if (id === 'data') {
      data = body;
    }
    off += 8 + size + (size % 2); // chunks are word-aligned
  }
  if (!fmt) bad('no fmt chunk');
  if (!data) bad('no data chunk');
  const { format, channels, sampleRate, bits } = fmt;
  if (channels < 1 || sampleRate < 1) bad(`invalid format (${channels} channels, ${sampleRate} Hz)`);
  const bytes = bits / 8;
  const read = sampleReader(format, bits) ?? bad(`unsupported encoding (format ${format}, ${bits} bits)`);
  const frames = Math.floor(data.length / (bytes * channels));
  const channelData = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) channelData[c][i] = read(data, (i * channels + c) * bytes);
  }
  return { sampleRate, channels, bitsPerSample: bits, channelData };
}

function sampleReader(format: number, bits: number): ((b: Buffer, o: number) => number) | null {
  if (format === 1) {
    if (bits === 8) return (b, o) => (b[o] - 128) / 128;
    if (bits === 16) return (b, o) => b.readInt16LE(o) / 32768;
    if (bits === 24) return (b, o) => b.readIntLE(o, 3) / 8388608;
    if (bits === 32) return (b, o) => b.readInt32LE(o) / 2147483648;
  }
  if (format === 3) {
    if (bits === 32) return (b, o) => b.readFloatLE(o);
    if (bits === 64) return (b, o) => b.readDoubleLE(o);
  }
  return null;
}

/** Averages the channels into one. */
export function downmix(wav: DecodedWav): Float32Array {
  if (wav.channels === 1) return wav.channelData[0];
  const n = wav.channelData[0].length;
  const out = new Float32Array(n);
  for (const ch of wav.channelData) for (let i = 0; i < n; i++) out[i] += ch[i] / wav.channels;
  return out;
}
