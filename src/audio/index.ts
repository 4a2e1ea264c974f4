export { decodeWav, downmix, encodeWav, pcmToWavBase64, type DecodedWav, type WavOptions } from './wav';
export { DB_FLOOR, DEFAULT_SILENCE_DB, isSilent, rms, rmsDbfs, rmsToDb } from './level';
export { float32ToInt16, int16ToFloat32, toFloat32, type PcmInput } from './pcm';
export { resample } from './resample';
export { analyzeProsody, type F0Summary, type ProsodyFeatures, type ProsodyOptions, type ProsodyTrack } from './prosody';
