import fs from 'node:fs';
import path from 'node:path';
import { generateClip } from './generate-clip';

export const SAMPLE_DIR = path.join('data', 'samples');

/** Debian's python3-skimage photo of an astronaut (a smiling person): gives the sample a real detection. */
export const ASTRONAUT_PNG = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';

/** Two flite voices in turn, so the diarization stage has two speakers to tell apart. */
export const SAMPLE_DIALOGUE = [
  { voice: 'slt', text: 'Welcome to the video agent sample. First an astronaut smiles at the camera.' },
  { voice: 'rms', text: 'Then a red ball bounces across the screen. The system writes down what it hears.' },
];
export const SAMPLE_SPEECH = SAMPLE_DIALOGUE.map((l) => l.text).join(' ');

/**
 * The `ingest --sample` / `analyze --sample` clip: 12 s, 640x360 at 30 fps. The first 5 s show a photo of a
 * person (when python3-skimage is installed), then a hard cut to a bouncing ball (moving content, a scene
 * change); the audio is two flite voices talking in turn (for ASR and diarization). Generated once into ./data/samples.
 */
export function ensureSampleClip(dir: string = path.resolve(SAMPLE_DIR)): Promise<string> {
  const still = fs.existsSync(ASTRONAUT_PNG) ? { path: ASTRONAUT_PNG, seconds: 5 } : undefined;
  return generateClip({
    durationS: 12, width: 640, height: 360, fps: 30, audio: 'speech', speechLines: SAMPLE_DIALOGUE, pattern: 'ball', still, dir,
    name: still ? 'sample-v3-640x360-12s' : 'sample-v3-ball-640x360-12s',
  });
}
