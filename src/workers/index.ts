/**
 * Local CPU inference workers behind the RunPod emulator's endpoints (see DESIGN.md "Defaults"). Real models
 * whose weights ship inside npm/Debian packages; nothing is downloaded. Each worker loads its model once in
 * init() and keeps heavy work off the event loop (worker threads for tfjs, child processes for pocketsphinx).
 */
import { VideoAgentError } from '../errors';
import { DiarizationStubWorker } from './diarization/diarization-worker';
import { EmotionWorker, type EmotionWorkerOptions } from './emotion/emotion-worker';
import type { LocalWorker, LocalWorkerName } from './types';
import { VlmWorker, type VlmWorkerOptions } from './vlm/vlm-worker';
import { WhisperWorker, type WhisperWorkerOptions } from './whisper/whisper-worker';
import { YoloWorker, type YoloWorkerOptions } from './yolo/yolo-worker';

export type { JobContext, LocalWorker, LocalWorkerName } from './types';
export { YoloWorker, type YoloWorkerOptions, type YoloOutput } from './yolo/yolo-worker';
export { EmotionWorker, type EmotionWorkerOptions, type EmotionOutput, type FaceCropResult } from './emotion/emotion-worker';
export type { FaceCrop, FaceCropOptions } from './emotion/emotion-protocol';
export { EMOTIONS, type Emotion, type EmotionResult } from './emotion/emotion-labels';
export { WhisperWorker, type WhisperWorkerOptions, type WhisperOutput, type WhisperSegment } from './whisper/whisper-worker';
export { wordErrorRate, normalizeWords } from './whisper/wer';
export { VlmWorker, RULE_CAPTIONER_MODEL, type VlmWorkerOptions } from './vlm/vlm-worker';
export { captionFromFacts, type VlmReply } from './vlm/rule-captioner';
export { extractPromptFacts, type PromptFacts } from './vlm/prompt-facts';
export { DiarizationStubWorker, type DiarizationOutput } from './diarization/diarization-worker';
export { decodeImage } from './media/image-decode';
export type { RgbImage } from './media/rgb-image';

export interface LocalWorkerOptions {
  yolo?: YoloWorkerOptions;
  emotion?: EmotionWorkerOptions;
  whisper?: WhisperWorkerOptions;
  vlm?: VlmWorkerOptions;
}

export function createLocalWorker(name: LocalWorkerName, opts: LocalWorkerOptions = {}): LocalWorker {
  switch (name) {
    case 'yolo': return new YoloWorker(opts.yolo);
    case 'emotion': return new EmotionWorker(opts.emotion);
    case 'whisper': return new WhisperWorker(opts.whisper);
    case 'vlm': return new VlmWorker(opts.vlm);
    case 'diarization': return new DiarizationStubWorker();
    case 'stub':
      throw new VideoAgentError('E_BAD_WORKER', "worker 'stub' is the emulator's timing stub (src/runpod/emulator/stubWorker.ts), not a local model");
    default:
      throw new VideoAgentError('E_BAD_WORKER', `unknown local worker "${String(name)}" (yolo, emotion, whisper, vlm, diarization)`);
  }
}
