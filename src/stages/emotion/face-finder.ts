/**
 * Where the faces are. Two finders:
 * - `detector` (default): face-api's SSD MobileNet v1 face detector, shipped inside @vladmandic/face-api
 *   and run on the local tfjs-wasm thread (src/local-models/face-expressions), once per frame that has a
 *   person due for analysis. Real face boxes; a person seen from behind yields no face (and no call).
 *   Measured ~350–500 ms per frame on 2 shared cores (its input is always 512×512, so frame size barely
 *   matters); the per-track interval keeps it to about one run per second per stream with people.
 * - `head`: no model, ~0 ms: the head region of the person box (top centre). Approximate boxes (exact
 *   for upright people only), and it sends a crop even when the person faces away.
 * Faces are then assigned to the tightest person box holding their centre.
 */
import { FaceEmotionClassifier } from '../../local-models';
import type { DetectedObject } from '../../topics';
import { area } from './track-budget';

export type Box = [number, number, number, number];
export interface FoundFace { bbox: Box; score: number }

export interface FaceFinder {
  readonly kind: 'detector' | 'head';
  /** Faces for the given people of a frame (the JPEG), in the people's order; null where none was found. */
  find(jpeg: Buffer, people: DetectedObject[], all: DetectedObject[]): Promise<(FoundFace | null)[]>;
  close(): Promise<void>;
}

export interface DetectorOptions { minConfidence: number; maxFaces: number }

/**
 * One detector thread for the whole process (tfjs-wasm, ~1 s to load): every stream's emotion stage uses
 * it, and the last one to close it ends the thread.
 */
let shared: { model: FaceEmotionClassifier; ready: Promise<void>; users: number } | null = null;

function acquire(): { model: FaceEmotionClassifier; ready: Promise<void> } {
  if (!shared) {
    const model = new FaceEmotionClassifier({ faceDetector: true });
    shared = { model, ready: model.init(), users: 0 };
    shared.ready.catch(() => undefined);
  }
  shared.users++;
  return shared;
}

async function release(model: FaceEmotionClassifier): Promise<void> {
  if (!shared || shared.model !== model) return;
  if (--shared.users > 0) return;
  shared = null;
  await model.close();
}

export function detectorFinder(o: DetectorOptions): FaceFinder {
  let held: { model: FaceEmotionClassifier; ready: Promise<void> } | null = null;
  return {
    kind: 'detector',
    async find(jpeg, people, all) {
      held ??= acquire();
      await held.ready;
      const r = await held.model.cropFaces(jpeg.toString('base64'), { minConfidence: o.minConfidence, maxFaces: o.maxFaces, margin: 0 });
      return assignFaces(r.faces.map((f) => ({ bbox: f.bbox, score: f.score })), people, all);
    },
    async close() {
      if (held) await release(held.model);
      held = null;
    },
  };
}

export function headFinder(): FaceFinder {
  return {
    kind: 'head',
    async find(_jpeg, people) {
      return people.map((p) => ({ bbox: headRegion(p.bbox), score: 0 }));
    },
    async close() {},
  };
}

/** Top centre of a person box: a square of ~0.45 of its width (at most 0.3 of its height). */
export function headRegion(b: Box): Box {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  const side = Math.max(1, Math.min(0.45 * w, 0.3 * h));
  const cx = (b[0] + b[2]) / 2;
  const top = b[1] + 0.02 * h;
  return [cx - side / 2, top, cx + side / 2, top + side];
}

/**
 * Each face (best score first) goes to the smallest person box, among all people of the frame, that holds
 * its centre; each person keeps at most one face. Returns the faces of `people` (null: none).
 */
export function assignFaces(faces: FoundFace[], people: DetectedObject[], all: DetectedObject[]): (FoundFace | null)[] {
  const owner = new Map<DetectedObject, FoundFace>();
  for (const f of [...faces].sort((a, b) => b.score - a.score)) {
    const cx = (f.bbox[0] + f.bbox[2]) / 2;
    const cy = (f.bbox[1] + f.bbox[3]) / 2;
    const holders = all
      .filter((p) => !owner.has(p) && cx >= p.bbox[0] && cx <= p.bbox[2] && cy >= p.bbox[1] && cy <= p.bbox[3])
      .sort((a, b) => area(a.bbox) - area(b.bbox));
    if (holders.length) owner.set(holders[0], f);
  }
  return people.map((p) => owner.get(p) ?? null);
}
