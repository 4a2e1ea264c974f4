/**
 * Detection inference thread: CenterNet (COCO-80, the graph model shipped inside @vladmandic/human) run directly
 * on tfjs's wasm backend; images are decoded, scaled and letterboxed by sharp (libvips), so tfjs only runs the
 * network. Loaded once per thread; one job at a time, off the main event loop so the emulator's HTTP server
 * stays responsive.
 *
 * The wasm backend picks its SIMD binary by feature detection. Its multi-threaded binary cannot start in Node:
 * tfjs reports no thread support under Node, and forcing the flag fails because Node's worker_threads refuse the
 * blob: URLs its pthread workers are created from (ERR_WORKER_PATH); so one core per detection thread.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { decodeBase64 } from '../media/base64';
import { SharpImage } from '../media/sharp-image';
import { installFileFetchShim } from '../runtime/file-fetch-shim';
import { modelPaths } from '../runtime/package-paths';
import { serveThread, throwIfCancelled } from '../runtime/threads/thread-server';
import { COCO_LABELS } from './coco-labels';
import { planLetterbox, unletterboxBox } from './letterbox';
import { nonMaxSuppression, type PixelDetection } from './nms';
import type { YoloThreadInit, YoloThreadRequest, YoloThreadResponse } from './centernet-protocol';

/** The graph's decoded output: top-100 rows of [x1, y1, x2, y2, score, class] in input pixels. */
const OUTPUT = 'tower_0/detections';
/** YOLO's letterbox grey. */
const PAD = { r: 114, g: 114, b: 114 };

let model: tf.GraphModel | undefined;
let inputSize = 512;
let contexts: number[] = [0];

async function infer(rgb: Buffer): Promise<number[][]> {
  const input = tf.tensor4d(new Float32Array(rgb), [1, inputSize, inputSize, 3]);
  try {
    const out = model!.execute(input, OUTPUT) as tf.Tensor;
    try {
      return ((await out.array()) as number[][][])[0]!;
    } finally {
      out.dispose();
    }
  } finally {
    input.dispose();
  }
}

async function init(options: YoloThreadInit): Promise<void> {
  installFileFetchShim();
  contexts = options.contexts.length > 0 ? options.contexts : [0];
  setWasmPaths(modelPaths.tfjsWasmDir());
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  await tf.ready();
  model = await tf.loadGraphModel(modelPaths.centernetModelUrl());
  inputSize = model.inputs[0]?.shape?.[1] ?? 512;
  // The first execution compiles the kernels (~2x a normal pass): pay it in the cold start, not on a job.
  await infer(Buffer.alloc(inputSize * inputSize * 3, PAD.r));
}

async function detectOne(b64: string, index: number, req: YoloThreadRequest): Promise<YoloThreadResponse['results'][number]> {
  const what = `images[${index}]`;
  const src = new SharpImage(decodeBase64(b64, what), what);
  const { width, height } = await src.size();
  const wanted = req.classes ? new Set(req.classes) : undefined;
  const all: PixelDetection[] = [];
  for (const context of contexts) {
    const plan = planLetterbox(width, height, inputSize, context);
    const { data } = await src.rgb(src.pipeline()
      .resize(plan.width, plan.height, { fit: 'fill' })
      .extend({
        top: plan.padTop, bottom: inputSize - plan.height - plan.padTop,
        left: plan.padLeft, right: inputSize - plan.width - plan.padLeft,
        background: PAD,
      }));
    for (const [x1, y1, x2, y2, score, rawCls] of await infer(data)) {
      const cls = Math.round(rawCls!);
      const label = COCO_LABELS[cls];
      if (label === undefined || !(score! >= req.conf) || (wanted && !wanted.has(cls))) continue;
      all.push({ box: unletterboxBox([x1!, y1!, x2!, y2!], plan, width, height), score: Math.round(score! * 1e4) / 1e4, cls, label });
    }
  }
  const kept = nonMaxSuppression(all.filter((d) => d.box[2] > d.box[0] && d.box[3] > d.box[1]), req.iou).slice(0, req.maxDet);
  return {
    width,
    height,
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
