/**
 * Which H.264 and AAC encoders this GStreamer has, found once by parsing a tiny launch line with each
 * candidate (a parse fails at once with no_such_element when the plugin is missing; nothing runs).
 */
import { VideoAgentError } from '../errors';
import { Pipeline } from '../gst';

/** In order of preference: x264 (quality, speed presets), then Cisco's openh264. */
const H264_ENCODERS: Record<string, string> = {
  x264enc: 'x264enc speed-preset=veryfast pass=qual quantizer=23 key-int-max=60 ! video/x-h264,profile=high',
  openh264enc: 'openh264enc complexity=low gop-size=60 ! video/x-h264,profile=constrained-baseline',
};
const AAC_ENCODERS: Record<string, string> = {
  avenc_aac: 'avenc_aac bitrate=128000',
  voaacenc: 'voaacenc bitrate=128000',
  fdkaacenc: 'fdkaacenc bitrate=128000',
};

export interface Encoders {
  /** Launch fragment: raw I420 video in, H.264 out (before h264parse). */
  video: string;
  /** Launch fragment: raw audio in, AAC out (before aacparse). */
  audio: string;
}

const available = new Map<string, boolean>();

function hasElement(name: string): boolean {
  let ok = available.get(name);
  if (ok === undefined) {
    try {
      void Pipeline.create(`fakesrc num-buffers=0 ! ${name} ! fakesink`).stop();
      ok = true;
    } catch {
      ok = false;
    }
    available.set(name, ok);
  }
  return ok;
}

function pick(table: Record<string, string>, what: string): string {
  const name = Object.keys(table).find(hasElement);
  if (!name) {
    throw new VideoAgentError('E_CLIP_MISSING_PLUGIN', `no ${what} encoder in this GStreamer (tried ${Object.keys(table).join(', ')}): install gstreamer1.0-plugins-ugly or gstreamer1.0-libav`, { kind: 'config' });
  }
  return table[name]!;
}

/** The encoders to re-encode with; throws E_CLIP_MISSING_PLUGIN naming what to install. */
export function pickEncoders(needAudio: boolean): Encoders {
  return { video: pick(H264_ENCODERS, 'H.264'), audio: needAudio ? pick(AAC_ENCODERS, 'AAC') : '' };
}
