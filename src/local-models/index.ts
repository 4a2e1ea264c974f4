/**
 * Local CPU inference workers behind the RunPod emulator's endpoints (docs/architecture.md). Real models
 * whose weights ship inside npm/Debian packages; nothing is downloaded. Each worker loads its model once in
 * init() and keeps heavy work off the event loop (worker threads for tfjs, child processes for pocketsphinx).
 */
import { VideoAgentError } from '../errors';
import { LocalDiarizer, type LocalDiarizerOptions } from './diarizer/local-diarizer';
import { FaceEmotionClassifier, type FaceEmotionClassifierOptions } from './face-expressions/face-emotion-classifier';
import type { LocalModel, LocalModelName } from './types';
import { LocalCaptioner, type LocalCaptionerOptions } from './captioner/local-captioner';
import { PocketsphinxAsr, type PocketsphinxAsrOptions } from './pocketsphinx/pocketsphinx-asr';
import { CenterNetDetector, type CenterNetDetectorOptions } from './centernet/centernet-detector';

export type { JobContext, LocalModel, LocalModelName } from './types';
export { CenterNetDetector, type CenterNetDetectorOptions, type YoloOutput } from './centernet/centernet-detector';
export { FaceEmotionClassifier, type FaceEmotionClassifierOptions, type EmotionOutput, type FaceCropResult } from './face-expressions/face-emotion-classifier';
export type { FaceCrop, FaceCropOptions } from './face-expressions/emotion-protocol';
export { EMOTIONS, type Emotion, type EmotionResult } from './face-expressions/emotion-labels';
export { PocketsphinxAsr, type PocketsphinxAsrOptions, type WhisperOutput, type WhisperSegment } from './pocketsphinx/pocketsphinx-asr';
export { wordErrorRate, normalizeWords } from './pocketsphinx/wer';
export { LocalCaptioner, RULE_CAPTIONER_MODEL, type LocalCaptionerOptions } from './captioner/local-captioner';
export { captionFromFacts } from './captioner/rule-captioner';
export { extractPromptFacts, type PromptFacts } from './captioner/prompt-facts';
export { LocalDiarizer, type LocalDiarizerOptions, type DiarizationOutput } from './diarizer/local-diarizer';
export { decodeImage } from './media/image-decode';
export type { RgbImage } from './media/rgb-image';

export interface LocalModelOptions {
  yolo?: CenterNetDetectorOptions;
  emotion?: FaceEmotionClassifierOptions;
  whisper?: PocketsphinxAsrOptions;
  vlm?: LocalCaptionerOptions;
  diarization?: LocalDiarizerOptions;
}

export function createLocalModel(name: LocalModelName, opts: LocalModelOptions = {}): LocalModel {
  switch (name) {
    case 'yolo': return new CenterNetDetector(opts.yolo);
    case 'emotion': return new FaceEmotionClassifier(opts.emotion);
    case 'whisper': return new PocketsphinxAsr(opts.whisper);
    case 'vlm': return new LocalCaptioner(opts.vlm);
    case 'diarization': return new LocalDiarizer(opts.diarization);
    case 'stub':
      throw new VideoAgentError('E_BAD_WORKER', "worker 'stub' is the emulator's timing stub (src/runpod/emulator/stubWorker.ts), not a local model");
    default:
      throw new VideoAgentError('E_BAD_WORKER', `unknown local worker "${String(name)}" (yolo, emotion, whisper, vlm, diarization)`);
  }
}
