/**
 * Pairs each sampled frame with the detections message of the same pts. Detections lag their frame (on
 * one process's bus as on Redis), and on Redis a detections entry may even be read before its frame, so
 * both sides wait in small bounded buffers. Detection publishes its outcomes in pts order, so a frame
 * older than a paired one will never be paired: it is released as unpaired.
 */
import type { DetectionsMsg, FrameMsg } from '../../topics';

export interface Paired { frame: FrameMsg; detections: DetectionsMsg }

export interface PairingState {
  frames: FrameMsg[];
  detections: DetectionsMsg[];
  /** Newest frame pts accepted (sampling and redelivery checks); -1: none. */
  lastFrameUs: number;
}

export interface PairingStats {
  /** Frames passed over by the stage's own sampling (closer than `sampleUs` to the previous one). */
  framesSampledOut: number;
  /** Frames whose detections never came (detection skipped them unseen, or the buffer overflowed). */
  framesUnpaired: number;
  /** Detections whose frame the stage did not keep (sampled out) or already released. */
  detectionsUnpaired: number;
}

export class FramePairing {
  private frames: FrameMsg[] = [];
  private detections: DetectionsMsg[] = [];
  private lastFrameUs = -1;
  readonly stats: PairingStats = { framesSampledOut: 0, framesUnpaired: 0, detectionsUnpaired: 0 };

  constructor(private readonly capacity: number, private readonly sampleUs: number, state?: PairingState | null) {
    if (state) {
      this.frames = [...state.frames];
      this.detections = [...state.detections];
      this.lastFrameUs = state.lastFrameUs;
    }
  }

  /** A frame: kept when at least `sampleUs` after the last kept one; pairs with detections already in. */
  onFrame(f: FrameMsg): Paired[] {
    // Frames arrive in pts order: an older one is a redelivery (hand-over, reclaim).
    if (f.ptsUs <= this.lastFrameUs) return [];
    if (this.lastFrameUs >= 0 && f.ptsUs - this.lastFrameUs < this.sampleUs) {
      this.stats.framesSampledOut++;
      // Its detections may be waiting already: they will never pair.
      const before = this.detections.length;
      this.detections = this.detections.filter((d) => d.ptsUs !== f.ptsUs);
      this.stats.detectionsUnpaired += before - this.detections.length;
      return [];
    }
    this.lastFrameUs = f.ptsUs;
    const i = this.detections.findIndex((d) => d.ptsUs === f.ptsUs);
    if (i >= 0) {
      const [d] = this.detections.splice(i, 1);
      this.releaseOlderThan(f.ptsUs);
      return [{ frame: f, detections: d }];
    }
    this.frames.push(f);
    if (this.frames.length > this.capacity) {
      this.frames.shift();
      this.stats.framesUnpaired++;
    }
    return [];
  }

  /** A frame's detections: pairs with its frame, or waits for it (bounded) when the frame is still to come. */
  onDetections(d: DetectionsMsg): Paired[] {
    const i = this.frames.findIndex((f) => f.ptsUs === d.ptsUs);
    if (i >= 0) {
      const [f] = this.frames.splice(i, 1);
      this.releaseOlderThan(d.ptsUs);
      return [{ frame: f, detections: d }];
    }
    if (d.ptsUs <= this.lastFrameUs) {
      // Its frame went by already: sampled out, released unpaired, or this is a redelivery.
      this.stats.detectionsUnpaired++;
      return [];
    }
    this.detections.push(d);
    if (this.detections.length > this.capacity) {
      this.detections.shift();
      this.stats.detectionsUnpaired++;
    }
    return [];
  }

  /** End of stream: whatever still waits will not pair. */
  drain(): void {
    this.stats.framesUnpaired += this.frames.length;
    this.stats.detectionsUnpaired += this.detections.length;
    this.frames = [];
    this.detections = [];
  }

  get waitingFrames(): number { return this.frames.length; }

  snapshot(): PairingState {
    return { frames: [...this.frames], detections: [...this.detections], lastFrameUs: this.lastFrameUs };
  }

  private releaseOlderThan(ptsUs: number): void {
    const before = this.frames.length;
    this.frames = this.frames.filter((f) => f.ptsUs > ptsUs);
    this.stats.framesUnpaired += before - this.frames.length;
  }
}
