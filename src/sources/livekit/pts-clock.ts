/**
 * Presentation timestamps for what a participant's tracks deliver, µs from the stream's start, strictly
 * increasing per kind. LiveKit re-bases frame timestamps to its own receive clock (and a re-subscribed
 * track starts a new base), so the source's deltas are trusted only while they stay within `maxDriftUs`
 * of the arrival time; otherwise the arrival time is used. Audio is stamped by sample count (exact
 * durations) and re-anchored to arrival after a gap (mute, re-subscription).
 */
export class PtsClock {
  private readonly origin: number;
  private lastVideoPts = -1;
  private lastVideoSrc: number | null = null;
  private nextAudioPts: number | null = null;

  constructor(
    private readonly nowUs: () => number = () => performance.now() * 1000,
    private readonly maxDriftUs = 500_000,
  ) {
    this.origin = nowUs();
  }

  /** Time since the stream's start, µs. */
  elapsedUs(): number {
    return this.nowUs() - this.origin;
  }

  video(sourceUs: number | bigint): number {
    const arrival = Math.round(this.elapsedUs());
    const src = Number(sourceUs);
    let pts = arrival;
    if (this.lastVideoSrc !== null && this.lastVideoPts >= 0) {
      const delta = src - this.lastVideoSrc;
      const candidate = this.lastVideoPts + delta;
      if (delta > 0 && Math.abs(candidate - arrival) <= this.maxDriftUs) pts = candidate;
    }
    pts = Math.max(pts, this.lastVideoPts + 1);
    this.lastVideoSrc = src;
    this.lastVideoPts = pts;
    return pts;
  }

  audio(samplesPerChannel: number, sampleRate: number): { ptsUs: number; durationUs: number } {
    const arrival = Math.round(this.elapsedUs());
    const durationUs = Math.round((samplesPerChannel * 1e6) / sampleRate);
    let pts = this.nextAudioPts ?? arrival;
    if (this.nextAudioPts !== null && Math.abs(pts - arrival) > this.maxDriftUs) pts = Math.max(arrival, this.nextAudioPts);
    this.nextAudioPts = pts + durationUs;
    return { ptsUs: pts, durationUs };
  }

  /** A track was re-subscribed: its new timestamps have a new base. */
  resetVideoSource(): void {
    this.lastVideoSrc = null;
  }
}
