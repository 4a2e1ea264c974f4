export { LocalDiarizer, type DiarizationOutput, type LocalDiarizerOptions } from './local-diarizer';
export { diarizePcm, DEFAULT_CLUSTER_THRESHOLD, type DiarizeOptions, type DiarizePcmResult, type LocalTurn, type SpeakerEmbedding } from './diarize-pcm';
export { loadSileroVad, type SileroVad } from './silero-vad';
export { agglomerate, cosine } from './clustering';
export { mfcc, mfccStats } from './mfcc';
