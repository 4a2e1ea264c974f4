/**
 * Sources for the clip tests, generated once per process with gst-launch-1.0 into a temp folder:
 * browser-safe H.264 (key frame every second) and AAC in MP4; VP8 + Vorbis in WebM; H.264 4:4:4 (a
 * profile browsers do not play); a recording of three 4 s splitmuxsink segments.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { discover } from '../../src/gst';
import type { RecordingSegment } from '../../src/clips';

export interface ClipMedia {
  dir: string;
  /** 10 s, 320x240 30 fps constrained-baseline H.264 + AAC 48 kHz stereo, MP4. */
  h264: string;
  /** 10 s, 320x240 30 fps VP8 + Vorbis, WebM. */
  vp8: string;
  /** 4 s, 320x240 H.264 High 4:4:4, no audio, MP4. */
  h264High444: string;
  /** 12 s of H.264 + AAC cut by splitmuxsink into 4 s MP4 segments. */
  segments: RecordingSegment[];
  /** 4 s of H.264 Main 640x480 + AAC 44.1 kHz mono, MP4: a segment recorded after the camera changed its settings. */
  otherSegment: string;
  notMedia: string;
  missing: string;
}

let media: ClipMedia | undefined;

function gstLaunch(args: string, o: { eosMayHang?: boolean } = {}): void {
  // Unbounded queues before the muxers: x264enc holds frames back while audio keeps coming, and a full
  // 1 s queue in front of a muxer waiting for video would deadlock these finite sources.
  const unbounded = args.replace(/! queue !/g, '! queue max-size-time=0 max-size-buffers=0 max-size-bytes=0 !');
  try {
    execFileSync('gst-launch-1.0', ['-q', ...unbounded.split(/\s+/).filter(Boolean)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: o.eosMayHang ? 30_000 : 120_000 });
  } catch (err) {
    // splitmuxsink (GStreamer 1.22) finalises every file but now and then never posts EOS, so gst-launch
    // waits forever: the caller discovers each file, which proves them complete.
    if (!(o.eosMayHang && (err as NodeJS.ErrnoException).code === 'ETIMEDOUT')) throw err;
  }
}

const video = (frames: number) => `videotestsrc pattern=ball num-buffers=${frames} ! video/x-raw,format=I420,width=320,height=240,framerate=30/1`;
const baseline = 'x264enc speed-preset=ultrafast key-int-max=30 ! video/x-h264,profile=constrained-baseline ! h264parse';
const tone = (seconds: number) => `audiotestsrc num-buffers=${seconds * 50} samplesperbuffer=960 freq=440 ! audio/x-raw,rate=48000,channels=2 ! audioconvert`;

export async function clipMedia(): Promise<ClipMedia> {
  if (media) return media;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-clip-media-'));
  const h264 = path.join(dir, 'h264.mp4');
  const vp8 = path.join(dir, 'vp8.webm');
  const h264High444 = path.join(dir, 'h264-444.mp4');
  gstLaunch(`${video(300)} ! ${baseline} ! queue ! mp4mux name=m ! filesink location=${h264} ${tone(10)} ! avenc_aac ! aacparse ! queue ! m.`);
  gstLaunch(`${video(300)} ! vp8enc deadline=1 keyframe-max-dist=30 ! queue ! webmmux name=m ! filesink location=${vp8} ${tone(10)} ! vorbisenc ! queue ! m.`);
  gstLaunch(`videotestsrc pattern=ball num-buffers=120 ! video/x-raw,format=Y444,width=320,height=240,framerate=30/1 ! x264enc speed-preset=ultrafast ! h264parse ! mp4mux ! filesink location=${h264High444}`);
  const otherSegment = path.join(dir, 'other-segment.mp4');
  gstLaunch(`videotestsrc pattern=smpte num-buffers=120 ! video/x-raw,format=I420,width=640,height=480,framerate=30/1 ! x264enc speed-preset=ultrafast key-int-max=30 ! video/x-h264,profile=main ! h264parse ! queue ! mp4mux name=m ! filesink location=${otherSegment} ` +
    'audiotestsrc num-buffers=200 samplesperbuffer=882 ! audio/x-raw,rate=44100,channels=1 ! audioconvert ! avenc_aac ! aacparse ! queue ! m.');
  const segDir = path.join(dir, 'recording');
  fs.mkdirSync(segDir);
  gstLaunch(`${video(360)} ! ${baseline} ! queue ! splitmuxsink name=s max-size-time=4000000000 location=${path.join(segDir, '%05d.mp4')} ${tone(12)} ! avenc_aac ! aacparse ! queue ! s.audio_0`, { eosMayHang: true });
  const segments: RecordingSegment[] = [];
  let startUs = 0;
  for (const name of fs.readdirSync(segDir).sort()) {
    const file = path.join(segDir, name);
    const durationUs = Math.round((await discover(file)).durationNs / 1000);
    segments.push({ path: file, startUs, durationUs });
    startUs += durationUs;
  }
  const notMedia = path.join(dir, 'not-media.mp4');
  fs.writeFileSync(notMedia, 'this is not a video\n'.repeat(200));
  media = { dir, h264, vp8, h264High444, segments, otherSegment, notMedia, missing: path.join(dir, 'missing.mp4') };
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return media;
}

/** The top-level MP4 box types in file order (size + type headers; a 64-bit size when size is 1). */
export function topLevelBoxes(buf: Buffer): string[] {
  const out: string[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    let size = buf.readUInt32BE(i);
    const type = buf.toString('latin1', i + 4, i + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(i + 8));
    else if (size === 0) size = buf.length - i;
    out.push(type);
    if (size < 8) break;
    i += size;
  }
  return out;
}
