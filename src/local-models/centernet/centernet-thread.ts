/**
 * Detection inference thread: @vladmandic/human's CenterNet (COCO-80) on tfjs + the wasm backend. Loaded once
 * per thread; one job at a time. Runs off the main event loop so the emulator's HTTP server stays responsive.
 */
import { decodeBase64 } from '../media/base64';
import { installFileFetchShim } from '../runtime/file-fetch-shim';
import { decodeImage } from '../media/image-decode';
import { modelPaths } from '../runtime/package-paths';
import { serveThread, throwIfCancelled } from '../runtime/threads/thread-server';
import { planLetterbox, unletterboxBox } from './letterbox';
import { nonMaxSuppression, type PixelDetection } from './nms';
import type { YoloThreadInit, YoloThreadRequest, YoloThreadResponse } from './centernet-protocol';

/** The slice of human's API we use (its bundled typings pull in tfjs-node types we do not install). */
interface Tensor { dispose(): void }
interface HumanObject { score: number; class: number; label: string; boxRaw: [number, number, number, number] }
interface HumanInstance {
  tf: {
    tensor3d(data: Uint8Array | Int32Array, shape: [number, number, number], dtype: 'int32'): Tensor;
    pad(t: Tensor, paddings: Array<[number, number]>, value: number): Tensor;
    getBackend(): string;
  };
  load(): Promise<void>;
  detect(input: Tensor, config?: Record<string, unknown>): Promise<{ object: HumanObject[]; error?: string | null }>;
}

let human: HumanInstance | undefined;
let contexts: number[] = [0];

async function init(options: YoloThreadInit): Promise<void> {
  installFileFetchShim();
  contexts = options.contexts.length > 0 ? options.contexts : [0];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Human } = require(modelPaths.humanEntry()) as { Human: new (config: Record<string, unknown>) => HumanInstance };
  human = new Human({
    backend: 'wasm',
    wasmPath: modelPaths.tfjsWasmDir(),
    modelBasePath: modelPaths.humanModelsUrl(),
    // Never reuse a previous frame's result: each job is an independent request.
    cacheSensitivity: 0,
    skipAllowed: false,
    warmup: 'none',
    async: false,
    debug: false,
    face: { enabled: false }, body: { enabled: false }, hand: { enabled: false },
    gesture: { enabled: false }, segmentation: { enabled: false }, filter: { enabled: false },
    object: { enabled: true, modelPath: 'centernet.json' },
  });
  await human.load();
}

async function detectOne(b64: string, index: number, req: YoloThreadRequest): Promise<YoloThreadResponse['results'][number]> {
  const h = human!;
  const img = decodeImage(decodeBase64(b64, `images[${index}]`), `images[${index}]`);
  const source = h.tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
  const all: PixelDetection[] = [];
  try {
    for (const context of contexts) {
      const plan = planLetterbox(img.width, img.height, context);
      const padded = h.tf.pad(source, [[plan.padTop, plan.padBottom], [plan.padLeft, plan.padRight], [0, 0]], 114);
      try {
        const res = await h.detect(padded, {
          object: {
            enabled: true,
            minConfidence: req.conf,
            iouThreshold: req.iou,
            // With a class filter, NMS must keep enough candidates to still have max_det after filtering.
            maxDetected: req.classes ? 1000 : req.maxDet,
          },
        });
        if (res.error) throw new Error(res.error);
        for (const o of res.object) {
          all.push({ box: unletterboxBox(o.boxRaw, plan, img.width, img.height), score: o.score, cls: o.class, label: o.label });
        }
      } finally {
        padded.dispose();
      }
    }
  } finally {
    source.dispose();
  }
  const wanted = req.classes ? new Set(req.classes) : undefined;
  const kept = nonMaxSuppression(all.filter((d) => d.score >= req.conf && (!wanted || wanted.has(d.cls))), req.iou)
    .filter((d) => d.box[2] > d.box[0] && d.box[3] > d.box[1])
    .slice(0, req.maxDet);
  return {
    width: img.width,
    height: img.height,
    detections: kept.map((d) => ({ bbox: d.box, confidence: d.score, class: d.cls, class_name: d.label })),
  };
}

serveThread<YoloThreadInit, YoloThreadRequest, YoloThreadResponse>({
  init,
  async run(req, isCancelled) {
    const results: YoloThreadResponse['results'] = [];
    for (let i = 0; i < req.images.length; i++) {
      throwIfCancelled(isCancelled);
      results.push(await detectOne(req.images[i]!, i, req));
    }
    return { results };
  },
});
