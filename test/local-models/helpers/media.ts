import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Ajv2020 from 'ajv/dist/2020';

/** Real media shipped by Debian packages (installed by scripts/setup.sh). */
export const ASTRONAUT_PNG = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
export const VTEST_AVI = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
export const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';
export const LIBRIVOX_0870 = path.join(LIBRIVOX_DIR, 'sense_and_sensibility_01_austen_64kb-0870.wav');

export function requireFile(file: string, pkg: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: apt-get install ${pkg}`);
  return file;
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'va-workers-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The first frame of vtest.avi (pedestrians) as JPEG, through GStreamer. */
export function vtestFrameJpeg(dir: string): Buffer {
  const out = path.join(dir, 'vtest.jpg');
  execFileSync('gst-launch-1.0', ['-q', 'filesrc', `location=${requireFile(VTEST_AVI, 'opencv-doc')}`, '!', 'decodebin', '!',
    'videoconvert', '!', 'jpegenc', 'snapshot=true', '!', 'filesink', `location=${out}`]);
  return readFileSync(out);
}

/**
 * Speech synthesised by flite's `slt` voice (a 16 kHz voice: the default `kal` is 8 kHz, and upsampled 8 kHz
 * speech lacks the 4-8 kHz band the en-us acoustic model was trained on: measured WER > 70% with it).
 */
export function fliteWav16k(dir: string, text: string): Buffer {
  const raw = path.join(dir, 'flite.wav');
  const out = path.join(dir, 'flite16k.wav');
  execFileSync('flite', ['-voice', 'slt', '-t', text, '-o', raw]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', out]);
  return readFileSync(out);
}

const CONTRACTS = path.join(__dirname, '..', '..', '..', 'runpod-handlers', 'contracts');
const ajv = new Ajv2020({ allErrors: true, strict: false });

/** Throws with ajv's messages when `value` is not valid against runpod-handlers/contracts/<name>.schema.json. */
export function assertSchema(name: string, value: unknown): void {
  const schema = JSON.parse(readFileSync(path.join(CONTRACTS, `${name}.schema.json`), 'utf8')) as { $id: string };
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  if (!validate(value)) throw new Error(`${name}: ${ajv.errorsText(validate.errors)}`);
}

export const noAbort = (): { jobId: string; signal: AbortSignal } => ({ jobId: 'test', signal: new AbortController().signal });

/** A minimal PNG writer for test images (filter type per row chosen by the caller; libvips checks the CRCs). */
export function png(width: number, height: number, colorType: number, rows: Buffer[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = colorType;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
