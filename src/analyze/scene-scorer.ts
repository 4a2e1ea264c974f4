/**
 * The scene-change score of a stream's frames: each frame at least `everyMs` of media time after the last
 * scored one is compared with it (src/stages/vlm/scene.ts); the others get null. Computed once at
 * ingest and carried on the frames topic, so the frames row and every consumer see the same value.
 */
import { frameSignature, sceneDistance, type FrameSignature } from '../stages/vlm/scene';

export class SceneScorer {
  private last: FrameSignature | null = null;
  private lastUs = -Infinity;
  private readonly everyUs: number;

  constructor(everyMs = 500) {
    this.everyUs = everyMs * 1000;
  }

  /** Null for frames not scored: too soon after the last scored one, or the first. Throws for undecodable JPEG. */
  async score(ptsUs: number, jpeg: Buffer): Promise<number | null> {
    if (ptsUs - this.lastUs < this.everyUs) return null;
    this.lastUs = ptsUs;
    const sig = await frameSignature(jpeg);
    const d = this.last ? sceneDistance(this.last, sig) : null;
    this.last = sig;
    return d;
  }
}
