import path from 'node:path';
import { DEFAULT_SPEECH, generateClip } from './generate-clip';

export const SAMPLE_DIR = path.join('data', 'samples');

/**
 * The `ingest --sample` clip: 12 s, 640x360 at 30 fps, a bouncing ball (moving content for detection
 * and scene stages) and flite speech (for ASR). Generated once into ./data/samples.
 */
export function ensureSampleClip(dir: string = path.resolve(SAMPLE_DIR)): Promise<string> {
  return generateClip({ durationS: 12, width: 640, height: 360, fps: 30, audio: 'speech', speechText: DEFAULT_SPEECH, pattern: 'ball', dir, name: 'sample-640x360-12s' });
}
