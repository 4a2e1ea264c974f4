export { analyzeProsody, type F0Summary, type ProsodyFeatures, type ProsodyOptions, type ProsodyTrack } from './analyze';
export { yinTrack, yinLayout, type YinFrame, type YinOptions } from './yin';
export { countSyllableNuclei, type SpeakingRate } from './speaking-rate';
