import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool } from './run-tool';

/**
 * Test and sample media generated with GStreamer (videotestsrc, x264enc, avenc_aac) and flite: nothing
 * is downloaded. Clips are cached by their options, so repeated runs cost nothing.
 */
export interface ClipOptions {
  durationS: number;
  width: number;
  height: number;
  fps: number;
  /** tone: a 440 Hz sine; speech: flite reading `speechText`, padded/trimmed to the duration. */
  audio: 'tone' | 'speech' | 'none';
  speechText?: string;
  /** speech by several flite voices in turn (a dialogue); replaces `speechText`. */
  speechLines?: { voice: string; text: string }[];
  /** videotestsrc pattern; `ball` moves. */
  pattern?: string;
  /** Hard-cut from `pattern` to another videotestsrc pattern at each `atS` (planted scene changes, in order). */
  cutTo?: { atS: number; pattern: string } | { atS: number; pattern: string }[];
  /** With `audio: 'tone'`: a quiet tone with bursts of loud pink noise at `atS` for `seconds` (planted loud moments). */
  loud?: { atS: number; seconds: number } | { atS: number; seconds: number }[];
  /** With `loud`: the background tone's amplitude (default 0.07, about -26 dBFS). */
  toneVolume?: number;
  /** Show this still image (PNG/JPEG) for the first `seconds`, then hard-cut to the pattern. */
  still?: { path: string; seconds: number };
  /** videotestsrc horizontal-speed: scrolls any pattern sideways (motion for static patterns). */
  horizontalSpeed?: number;
  /** x264 bitrate in kbit/s. */
  bitrateKbps?: number;
  /** Seconds between key frames (RTSP clients joining mid-stream wait for one). */
  keyframeIntervalS?: number;
  /** Output folder (default: a cache folder under the OS temp dir). */
  dir?: string;
  /** File name without extension (default: derived from the options). */
  name?: string;
}

export const DEFAULT_SPEECH =
  'Welcome to the video agent sample. A red ball bounces across the screen. ' +
  'The system watches the video, listens to the audio and writes down what it hears.';

/** flite's 16 kHz voice: pocketsphinx transcribes it nearly word for word (the default 8 kHz voice: >70% WER). */
const FLITE_VOICE = 'slt';

export const DEFAULT_MEDIA_CACHE = path.join(os.tmpdir(), 'video-agent-media');

const AUDIO_RATE = 48000;

function clipKey(o: ClipOptions): string {
  const { dir: _dir, name: _name, ...rest } = o;
  return crypto.createHash('sha1').update(JSON.stringify(rest)).digest('hex').slice(0, 10);
}

/** Returns the path of an MP4 (H.264 + AAC) matching the options, generating it once. */
export async function generateClip(opts: ClipOptions): Promise<string> {
  if (!(opts.durationS > 0) || !(opts.fps > 0) || opts.width < 16 || opts.height < 16) {
    throw new RangeError(`generateClip: bad options ${JSON.stringify(opts)}`);
  }
  const dir = opts.dir ?? DEFAULT_MEDIA_CACHE;
  fs.mkdirSync(dir, { recursive: true });
  const base = opts.name ?? `clip-${opts.width}x${opts.height}-${opts.fps}fps-${opts.durationS}s-${opts.audio}-${clipKey(opts)}`;
  const out = path.join(dir, `${base}.mp4`);
  if (fs.existsSync(out)) return out;

  // Write to a unique temp name then rename: concurrent test processes never see a half-written clip.
  const tmp = path.join(dir, `.${base}.${process.pid}.${Date.now()}.tmp`);
  const cleanup: string[] = [tmp];
  try {
    const args = ['-q', ...videoBranch(opts, tmp)];
    if (opts.audio === 'tone' && opts.loud) {
      const wav = await loudToneWav(opts.durationS, opts.loud, dir, opts.toneVolume ?? 0.07);
      cleanup.push(wav);
      args.push('filesrc', `location=${wav}`, '!', 'wavparse', '!', 'audioconvert', '!', 'avenc_aac', '!', 'aacparse', '!', 'mux.');
    } else if (opts.audio === 'tone') args.push(...toneBranch(opts.durationS));
    if (opts.audio === 'speech') {
      const lines = opts.speechLines?.length ? opts.speechLines : [{ voice: FLITE_VOICE, text: opts.speechText ?? DEFAULT_SPEECH }];
      const wav = await speechWav(lines, opts.durationS, dir);
      cleanup.push(wav);
      args.push('filesrc', `location=${wav}`, '!', 'wavparse', '!', 'audioconvert', '!', 'avenc_aac', '!', 'aacparse', '!', 'mux.');
    }
    await runTool('gst-launch-1.0', args, { timeoutMs: 600_000 });
    fs.renameSync(tmp, out);
    cleanup.shift();
    return out;
  } finally {
    for (const f of cleanup) fs.rmSync(f, { force: true });
  }
}

function videoBranch(o: ClipOptions, location: string): string[] {
  const frames = Math.round(o.durationS * o.fps);
  const keyInt = Math.max(1, Math.round((o.keyframeIntervalS ?? 2) * o.fps));
  const speed = o.horizontalSpeed ? [`horizontal-speed=${o.horizontalSpeed}`] : [];
  const caps = `video/x-raw,format=I420,width=${o.width},height=${o.height},framerate=${o.fps}/1,pixel-aspect-ratio=1/1`;
  const stillFrames = o.still ? Math.min(frames, Math.round(o.still.seconds * o.fps)) : 0;
  const encode = ['x264enc', 'speed-preset=ultrafast', `key-int-max=${keyInt}`, `bitrate=${o.bitrateKbps ?? 2048}`, '!',
    'video/x-h264,profile=constrained-baseline', '!', 'h264parse', '!',
    'mp4mux', 'name=mux', '!', 'filesink', `location=${location}`];
  const pattern = ['videotestsrc', `pattern=${o.pattern ?? 'ball'}`, ...speed, `num-buffers=${frames - stillFrames}`, '!', caps];
  if (o.cutTo && !o.still) {
    // One videotestsrc per shot, played in order by concat: a hard cut at each atS.
    const cuts = (Array.isArray(o.cutTo) ? o.cutTo : [o.cutTo]).map((c) => ({ ...c, frame: Math.min(frames, Math.round(c.atS * o.fps)) }));
    const shots = [{ pattern: o.pattern ?? 'ball', frame: 0 }, ...cuts];
    const branches = shots.flatMap((shot, i) => {
      const n = (shots[i + 1]?.frame ?? frames) - shot.frame;
      return n > 0 ? ['videotestsrc', `pattern=${shot.pattern}`, ...speed, `num-buffers=${n}`, '!', caps, '!', 'cat.'] : [];
    });
    return ['concat', 'name=cat', '!', 'videoconvert', '!', ...encode, ...branches];
  }
  if (!o.still) return [...pattern, '!', 'videoconvert', '!', ...encode];
  // concat plays its sink pads in link order: the still first, then the pattern (a hard cut at still.seconds).
  const still = ['filesrc', `location=${o.still.path}`, '!', 'decodebin', '!', 'videoconvert', '!',
    'imagefreeze', `num-buffers=${stillFrames}`, '!', 'videoscale', 'add-borders=true', '!', 'videoconvert', '!', caps];
  return ['concat', 'name=cat', '!', 'videoconvert', '!', ...encode, ...still, '!', 'cat.', ...pattern, '!', 'cat.'];
}

function toneBranch(durationS: number): string[] {
  // 100 ms buffers so the tone lasts exactly durationS (to the buffer).
  const per = AUDIO_RATE / 10;
  return ['audiotestsrc', 'wave=sine', 'freq=440', 'volume=0.3', `samplesperbuffer=${per}`, `num-buffers=${Math.round(durationS * 10)}`, '!',
    `audio/x-raw,rate=${AUDIO_RATE},channels=1`, '!', 'audioconvert', '!', 'avenc_aac', '!', 'aacparse', '!', 'mux.'];
}

/**
 * flite speech, one line per voice in turn with 0.4 s between lines (sox concatenates its inputs; the
 * 16 kHz voices slt, rms and awb share a rate), padded with silence (or trimmed) to exactly durationS,
 * 48 kHz mono WAV.
 */
async function speechWav(lines: { voice: string; text: string }[], durationS: number, dir: string): Promise<string> {
  const stem = path.join(dir, `.speech-${process.pid}-${Date.now()}`);
  const raws = lines.map((_, i) => `${stem}.${i}.raw.wav`);
  const padded = lines.map((_, i) => `${stem}.${i}.pad.wav`);
  const wav = `${stem}.wav`;
  try {
    for (let i = 0; i < lines.length; i++) {
      await runTool('flite', ['-voice', lines[i]!.voice, '-t', lines[i]!.text, '-o', raws[i]!]);
      await runTool('sox', [raws[i]!, padded[i]!, 'pad', '0', i < lines.length - 1 ? '0.4' : '0']);
    }
    await runTool('sox', [...padded, '-r', String(AUDIO_RATE), '-c', '1', wav, 'pad', '0.5', String(durationS), 'trim', '0', String(durationS)]);
    return wav;
  } finally {
    for (const f of [...raws, ...padded]) fs.rmSync(f, { force: true });
  }
}

/** A quiet 440 Hz tone (-26 dBFS at the default volume) with loud pink noise (-11.5 dBFS RMS, unclipped) at each atS for `seconds`, 48 kHz mono WAV. */
async function loudToneWav(durationS: number, loud: { atS: number; seconds: number } | { atS: number; seconds: number }[], dir: string, toneVolume: number): Promise<string> {
  const bursts = (Array.isArray(loud) ? loud : [loud]).slice().sort((a, b) => a.atS - b.atS);
  bursts.forEach((b, i) => {
    if (!(b.atS >= 0) || !(b.seconds > 0) || b.atS + b.seconds > durationS || (i > 0 && b.atS < bursts[i - 1]!.atS + bursts[i - 1]!.seconds)) {
      throw new RangeError(`generateClip: loud moment ${JSON.stringify(b)} must lie within ${durationS} s and not overlap another`);
    }
  });
  const stem = path.join(dir, `.loud-${process.pid}-${Date.now()}`);
  const parts: string[] = [];
  const wav = `${stem}.wav`;
  const rate = ['-r', String(AUDIO_RATE), '-c', '1', '-b', '16'];
  const piece = async (seconds: number, what: string[]) => {
    if (seconds <= 0) return;
    const f = `${stem}.${parts.length}.wav`;
    parts.push(f);
    await runTool('sox', ['-n', ...rate, f, 'synth', seconds.toFixed(3), ...what]);
  };
  try {
    let t = 0;
    for (const b of bursts) {
      await piece(b.atS - t, ['sine', '440', 'vol', String(toneVolume)]);
      await piece(b.seconds, ['pinknoise', 'vol', '1.2']);
      t = b.atS + b.seconds;
    }
    await piece(durationS - t, ['sine', '440', 'vol', String(toneVolume)]);
    await runTool('sox', parts.length > 1 ? [...parts, wav] : [parts[0]!, wav]);
    return wav;
  } finally {
    for (const f of parts) fs.rmSync(f, { force: true });
  }
}

/** Copies the first `fraction` of a file: a truncated media file for error-path tests. */
export function truncateFile(src: string, dst: string, fraction = 0.5): string {
  const data = fs.readFileSync(src);
  fs.writeFileSync(dst, data.subarray(0, Math.max(1, Math.floor(data.length * fraction))));
  return dst;
}
