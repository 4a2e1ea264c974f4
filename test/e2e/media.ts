/**
 * E2E media, generated (gst-launch, flite, sox) or taken from Debian packages, cached under the OS temp dir
 * by content so repeated runs cost nothing. Small resolutions and a few seconds each: CI runs them all.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DIR = path.join(os.tmpdir(), 'video-agent-e2e');
export const VTEST_AVI = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
export const ASTRONAUT_PNG = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
export const SPOKEN = 'Hello world. The astronaut is smiling at the camera.';

function cached(name: string, make: (out: string) => void): string {
  fs.mkdirSync(DIR, { recursive: true });
  const out = path.join(DIR, name);
  if (fs.existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  make(tmp);
  fs.renameSync(tmp, out);
  return out;
}

const gst = (args: string) => execFileSync('gst-launch-1.0', ['-q', ...args.split(/\s+/).filter(Boolean)], { stdio: 'pipe', timeout: 120_000 });

/** The first 4 s (40 frames) of opencv-doc's vtest.avi (pedestrians), video only. */
export function vtestExcerpt(): string {
  if (!fs.existsSync(VTEST_AVI)) throw new Error(`${VTEST_AVI} missing: apt-get install opencv-doc`);
  return cached('vtest-4s.mp4', (out) => gst(`filesrc location=${VTEST_AVI} ! decodebin ! identity eos-after=40 ! videoconvert ! x264enc speed-preset=ultrafast key-int-max=10 ! mp4mux ! filesink location=${out}`));
}

/** python3-skimage's astronaut.png as a 6 s still (10 fps) with flite speaking SPOKEN from 0.5 s. */
export function astronautWithSpeech(): string {
  if (!fs.existsSync(ASTRONAUT_PNG)) throw new Error(`${ASTRONAUT_PNG} missing: apt-get install python3-skimage`);
  return cached('astronaut-speech-slt-6s.mp4', (out) => {
    const raw = `${out}.raw.wav`;
    const wav = `${out}.wav`;
    try {
      execFileSync('flite', ['-voice', 'slt', '-t', SPOKEN, '-o', raw], { stdio: 'pipe' }); // slt: far better recognised by pocketsphinx than the default kal
      execFileSync('sox', [raw, '-r', '48000', '-c', '1', wav, 'pad', '0.5', '0'], { stdio: 'pipe' });
      gst(`filesrc location=${ASTRONAUT_PNG} ! pngdec ! imagefreeze num-buffers=60 ! videoconvert ! video/x-raw,format=I420,framerate=10/1 ! x264enc speed-preset=ultrafast ! mp4mux name=mux ! filesink location=${out} filesrc location=${wav} ! wavparse ! audioconvert ! audioresample ! avenc_aac ! aacparse ! mux.`);
    } finally {
      fs.rmSync(raw, { force: true });
      fs.rmSync(wav, { force: true });
    }
  });
}

export const CUT_AT_S = 4;

/** videotestsrc SMPTE bars for 4 s then the bouncing ball for 4 s (a hard cut at CUT_AT_S), 320×180 10 fps. */
export function sceneCutClip(): string {
  const seg = (pattern: string) => `videotestsrc pattern=${pattern} num-buffers=40 ! video/x-raw,width=320,height=180,framerate=10/1 ! c.`;
  return cached('scene-cut-8s.mp4', (out) => gst(`concat name=c ! videoconvert ! x264enc speed-preset=ultrafast key-int-max=10 ! mp4mux ! filesink location=${out} ${seg('smpte')} ${seg('ball')}`));
}
