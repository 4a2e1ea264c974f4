import fs from 'node:fs';
import path from 'node:path';
import { generateClip } from './generate-clip';

export const SAMPLE_DIR = path.join('data', 'samples');

/** Debian's python3-skimage photo of an astronaut (a smiling person): gives the sample a real detection. */
export const ASTRONAUT_PNG = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';

export const SAMPLE_SPEECH =
  'Welcome to the video agent sample. First an astronaut smiles at the camera. ' +
  'Then a red ball bounces across the screen. The system watches the video and writes down what it hears.';

/**
 * The `ingest --sample` / `analyze --sample` clip: 12 s, 640x360 at 30 fps. The first 5 s show a photo of a
 * person (when python3-skimage is installed), then a hard cut to a bouncing ball (moving content, a scene
 * change); the audio is flite speech (for ASR). Generated once into ./data/samples.
 */
export function ensureSampleClip(dir: string = path.resolve(SAMPLE_DIR)): Promise<string> {
  const still = fs.existsSync(ASTRONAUT_PNG) ? { path: ASTRONAUT_PNG, seconds: 5 } : undefined;
  return generateClip({
    durationS: 12, width: 640, height: 360, fps: 30, audio: 'speech', speechText: SAMPLE_SPEECH, pattern: 'ball', still, dir,
    name: still ? 'sample-v2-640x360-12s' : 'sample-v2-ball-640x360-12s',
  });
}
