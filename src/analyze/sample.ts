/**
 * The `--sample` clip: moving content (videotestsrc ball) with flite speech, generated once into
 * ./data/samples. Same options as `ingest --sample` so both commands share one cached file.
 */
import path from 'node:path';
import { DEFAULT_SPEECH, generateClip } from '../media';

export const SAMPLE_CLIP_OPTIONS = {
  durationS: 12, width: 640, height: 360, fps: 30, audio: 'speech' as const, pattern: 'ball', speechText: DEFAULT_SPEECH,
};

export function sampleClip(dataDir = 'data'): Promise<string> {
  return generateClip({ ...SAMPLE_CLIP_OPTIONS, dir: path.resolve(dataDir, 'samples'), name: 'sample' });
}
