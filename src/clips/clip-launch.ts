/**
 * The launch lines of an export, one builder per job: remux (H.264 copied, key-frame cut), re-encode
 * (decode → x264/openh264 + AAC), concatenation of exported pieces, the key-frame probe and the poster.
 * Every output is mp4mux faststart=true (moov first: a browser starts playing before the download ends).
 */
import { quoteLaunchValue as q } from '../pipelines/render';
import type { Encoders } from './encoders';

/** How the source's audio reaches the clip. */
export type AudioPlan = 'none' | 'copy' | 'encode';

export interface MuxTarget {
  out: string;
  /** mp4mux's temporary mdat file: in the export's own folder, so a failed export leaves nothing behind. */
  scratch: string;
}

/**
 * After a key-unit seek a demuxer starts video at the key frame but audio at the seek position, and in
 * pull mode it reads the file in offset order: up to a GOP of video arrives before the first audio, and
 * mp4mux waits for both. A queue bounded in time (1 s by default) would deadlock on any GOP over a second,
 * so these are bounded in bytes only.
 */
const GOP_QUEUE = 'queue max-size-time=0 max-size-buffers=0 max-size-bytes=268435456';

function mux(t: MuxTarget): string {
  return `mp4mux name=mux faststart=true faststart-file=${q(t.scratch)} ! filesink location=${q(t.out)}`;
}

function encodeAudio(enc: Encoders): string {
  return `audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! ${enc.audio} ! aacparse`;
}

/** Demuxer for a container GstDiscoverer named (its `container-format` tag); undefined: not remuxable here. */
export function demuxerFor(containerFormat: string | undefined): string | undefined {
  const c = (containerFormat ?? '').toLowerCase();
  if (c.includes('mp4') || c.includes('quicktime') || c.includes('3gp')) return 'qtdemux';
  if (c.includes('matroska')) return 'matroskademux';
  return undefined;
}

/** H.264 copied through h264parse; AAC copied, other audio re-encoded. Pair with a key-unit seek from `d` (the demuxer). */
export function remuxLaunch(src: string, demuxer: string, audio: AudioPlan, enc: Encoders, t: MuxTarget): string {
  const a = audio === 'copy' ? ` d.audio_0 ! ${GOP_QUEUE} ! aacparse ! mux.audio_0`
    : audio === 'encode' ? ` d.audio_0 ! ${GOP_QUEUE} ! decodebin ! ${encodeAudio(enc)} ! mux.audio_0` : '';
  return `filesrc location=${q(src)} ! ${demuxer} name=d d.video_0 ! ${GOP_QUEUE} ! h264parse ! mux.video_0${a} ${mux(t)}`;
}

/**
 * Everything decoded and encoded again at the source's size (rounded down to even for 4:2:0). Pair with an
 * accurate seek from `vq` (the video queue after decodebin: upstream of the encoders and the muxer).
 */
export function reencodeLaunch(src: string, size: { width: number; height: number }, audio: boolean, enc: Encoders, t: MuxTarget): string {
  const w = Math.max(2, size.width & ~1);
  const h = Math.max(2, size.height & ~1);
  const v = `d. ! video/x-raw ! queue name=vq ! videoconvert ! videoscale ! video/x-raw,format=I420,width=${w},height=${h},pixel-aspect-ratio=1/1 ! ${enc.video} ! h264parse ! queue ! mux.video_0`;
  const a = audio ? ` d. ! audio/x-raw ! queue ! ${encodeAudio(enc)} ! queue ! mux.audio_0` : '';
  return `filesrc location=${q(src)} ! decodebin name=d ${v}${a} ${mux(t)}`;
}

/**
 * Exported pieces (same codecs, in order) into one MP4: concat plays its sink pads in the order they
 * were requested, which is the order they appear here, and shifts each piece after the one before.
 */
export function concatLaunch(pieces: readonly string[], audio: boolean, t: MuxTarget): string {
  const head = `concat name=vc ! h264parse ! queue ! mux.video_0${audio ? ' concat name=ac ! aacparse ! queue ! mux.audio_0' : ''} ${mux(t)}`;
  const inputs = pieces.map((p, i) =>
    `filesrc location=${q(p)} ! qtdemux name=d${i} d${i}.video_0 ! queue ! vc.${audio ? ` d${i}.audio_0 ! queue ! ac.` : ''}`);
  return [head, ...inputs].join(' ');
}

/**
 * Pieces that differ (size, profile, audio rate: a camera reconfigured between recordings) decoded in
 * order and encoded once: concat of compressed pieces would stall on the caps change.
 */
export function concatReencodeLaunch(pieces: readonly string[], size: { width: number; height: number }, audio: boolean, enc: Encoders, t: MuxTarget): string {
  const w = Math.max(2, size.width & ~1);
  const h = Math.max(2, size.height & ~1);
  const v = `concat name=vc ! videoconvert ! videoscale add-borders=true ! video/x-raw,format=I420,width=${w},height=${h},pixel-aspect-ratio=1/1 ! ${enc.video} ! h264parse ! mux.video_0`;
  const a = audio ? ` concat name=ac ! ${encodeAudio(enc)} ! mux.audio_0` : '';
  const inputs = pieces.map((p, i) =>
    `filesrc location=${q(p)} ! decodebin name=d${i} d${i}. ! video/x-raw ! queue ! vc.${audio ? ` d${i}. ! audio/x-raw ! queue ! ac.` : ''}`);
  return [`${v}${a} ${mux(t)}`, ...inputs].join(' ');
}

/**
 * Parsed H.264 into appsink `k`: after a key-unit seek its first buffer is the key frame the remux starts at.
 * max-buffers=1 can keep an appsink from ever prerolling behind h264parse (seen on High-profile MP4s), hence 4.
 */
export function keyframeProbeLaunch(src: string, demuxer: string): string {
  return `filesrc location=${q(src)} ! ${demuxer} name=d d.video_0 ! queue ! h264parse ! appsink name=k sync=false max-buffers=4`;
}

/** One decoded frame as a JPEG into appsink `poster` (audio, when the file has it, into a fakesink so it cannot stall preroll). */
export function posterLaunch(src: string, audio: boolean): string {
  const a = audio ? ' d. ! audio/x-raw ! queue ! fakesink sync=false' : '';
  return `filesrc location=${q(src)} ! decodebin name=d d. ! video/x-raw ! queue ! videoconvert ! jpegenc quality=85 ! appsink name=poster sync=false max-buffers=4${a}`;
}
