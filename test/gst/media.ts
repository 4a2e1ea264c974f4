/**
 * Generated test media for the gst tests (never committed): built once per test process into a
 * temp dir with gst-launch-1.0 (videotestsrc/audiotestsrc, x264enc, avenc_aac).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface TestMedia {
  dir: string;
  /** 10.0 s: H.264 320x240 30 fps (pattern=ball) + AAC 48 kHz stereo 440 Hz sine, MP4. */
  av: string;
  /** 3.0 s: H.264 320x240 30 fps, no audio, Matroska. */
  videoOnly: string;
  /** The first 60% of `av` (MP4 keeps its index at the end: no playable streams). */
  truncated: string;
  /** A text file with a .mp4 name. */
  notMedia: string;
  /** A path that does not exist. */
  missing: string;
}

let media: TestMedia | undefined;

function gstLaunch(args: string): void {
  execFileSync('gst-launch-1.0', ['-q', ...args.split(/\s+/).filter(Boolean)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

export function testMedia(): TestMedia {
  if (media) return media;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'video-agent-gst-'));
  const av = path.join(dir, 'av.mp4');
  const videoOnly = path.join(dir, 'video-only.mkv');
  const notMedia = path.join(dir, 'not-media.mp4');
  const h264 = 'x264enc tune=zerolatency speed-preset=ultrafast ! h264parse';
  gstLaunch(
    `videotestsrc pattern=ball num-buffers=300 ! video/x-raw,width=320,height=240,framerate=30/1 ! ${h264} ! queue ! mp4mux name=m ! filesink location=${av} ` +
      `audiotestsrc num-buffers=500 samplesperbuffer=960 freq=440 ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! aacparse ! queue ! m.`,
  );
  gstLaunch(
    `videotestsrc pattern=ball num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 ! ${h264} ! matroskamux ! filesink location=${videoOnly}`,
  );
  fs.writeFileSync(notMedia, 'this is not a video\n'.repeat(200));
  const truncated = path.join(dir, 'truncated.mp4');
  const full = fs.readFileSync(av);
  fs.writeFileSync(truncated, full.subarray(0, Math.floor(full.length * 0.6)));
  media = { dir, av, videoOnly, truncated, notMedia, missing: path.join(dir, 'does-not-exist.mp4') };
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return media;
}

/** Launch fragment decoding a file, with `d.` as the demuxed/decoded pad source. */
export function decodeSource(file: string): string {
  return `uridecodebin uri=${pathToFileURL(file).href} name=d`;
}

/** Video branch: 10 fps JPEG frames of w×h into appsink `frames`. */
export function framesBranch(fps: number, w: number, h: number, sinkProps = 'max-buffers=8'): string {
  return `d. ! queue ! videoconvert ! videorate ! videoscale ! video/x-raw,framerate=${fps}/1,width=${w},height=${h} ! jpegenc quality=80 ! appsink name=frames sync=false ${sinkProps}`;
}

/** Audio branch: S16LE 16 kHz mono into appsink `audio`. */
export function audioBranch(): string {
  return 'd. ! queue ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! appsink name=audio sync=false max-buffers=32';
}

/** Reads width/height from a JPEG's SOF0..SOF15 header (not DHT/JPG/DAC); null if not a JPEG. */
export function jpegSize(buf: Buffer): { width: number; height: number } | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  return null;
}

export function hasJpegEoi(buf: Buffer): boolean {
  return buf.length >= 2 && buf[buf.length - 2] === 0xff && buf[buf.length - 1] === 0xd9;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
