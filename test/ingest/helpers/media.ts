import { generateClip } from '../../../src/media';

/** Small generated clips shared by the ingest tests (cached in the OS temp dir across runs). */
export const clip60s = () => generateClip({ durationS: 60, width: 320, height: 240, fps: 25, audio: 'tone' });
export const clipVideoOnly = () => generateClip({ durationS: 5, width: 320, height: 240, fps: 25, audio: 'none' });
export const clipShort = () => generateClip({ durationS: 6, width: 320, height: 240, fps: 25, audio: 'tone' });
/** Served over RTSP: long enough for the reconnect test, keyframes every second so joins are quick. */
export const clipRtsp = () => generateClip({ durationS: 120, width: 320, height: 240, fps: 25, audio: 'tone', keyframeIntervalS: 1, bitrateKbps: 300 });
