/**
 * Emotion inference thread: @vladmandic/face-api's face_expression_model (7 classes) and, for full frames, its
 * SSD MobileNet v1 face detector; tfjs on the wasm backend, weights loaded from the npm package's model/ dir.
 */
import { decodeBase64 } from '../media/base64';
import { encodeJpegCrop, expandRect } from '../media/image-crop';
import { decodeImage } from '../media/image-decode';
import { modelPaths } from '../runtime/package-paths';
import type { RgbImage } from '../media/rgb-image';
import { serveThread, throwIfCancelled } from '../runtime/threads/thread-server';
import { toEmotionResult } from './emotion-labels';
import type { EmotionThreadInit, EmotionThreadRequest, EmotionThreadResponse, FaceCrop } from './emotion-protocol';

interface Tensor { dispose(): void }
interface Box { x: number; y: number; width: number; height: number }
interface FaceApi {
  tf: {
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
  };
  nets: {
    ssdMobilenetv1: { loadFromDisk(dir: string): Promise<void> };
    faceExpressionNet: {
      loadFromDisk(dir: string): Promise<void>;
      predictExpressions(input: Tensor): Promise<Record<string, number>>;
    };
  };
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults: number }) => unknown;
  detectAllFaces(input: Tensor, options: unknown): Promise<Array<{ score: number; box: Box }>>;
}

let api: FaceApi | undefined;
let hasDetector = false;

async function init(options: EmotionThreadInit): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void };
  wasm.setWasmPaths(modelPaths.tfjsWasmDir());
  api = require(modelPaths.faceApiEntry()) as FaceApi;
  /* eslint-enable @typescript-eslint/no-require-imports */
  await api.tf.setBackend('wasm');
  await api.tf.ready();
  const dir = modelPaths.faceApiModelDir();
  await api.nets.faceExpressionNet.loadFromDisk(dir);
  if (options.faceDetector) {
    await api.nets.ssdMobilenetv1.loadFromDisk(dir);
    hasDetector = true;
  }
}

async function withTensor<T>(img: RgbImage, fn: (t: Tensor) => Promise<T>): Promise<T> {
  const t = api!.tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
  try { return await fn(t); } finally { t.dispose(); }
}

async function crop(b64: string, o: Extract<EmotionThreadRequest, { op: 'crop' }>['options']): Promise<EmotionThreadResponse> {
  if (!hasDetector) throw new Error('face detector not loaded (create the emotion worker with faceDetector: true)');
  const img = await decodeImage(decodeBase64(b64, 'image'), 'image');
  const dets = await withTensor(img, (t) =>
    api!.detectAllFaces(t, new api!.SsdMobilenetv1Options({ minConfidence: o.minConfidence, maxResults: o.maxFaces })));
  const r = (v: number) => Math.round(v * 10) / 10;
  const faces: FaceCrop[] = await Promise.all(dets
    .sort((a, b) => b.score - a.score)
    .slice(0, o.maxFaces)
    .map(async (d): Promise<FaceCrop> => ({
      bbox: [r(d.box.x), r(d.box.y), r(d.box.x + d.box.width), r(d.box.y + d.box.height)],
      score: Math.round(d.score * 1e4) / 1e4,
      jpegBase64: (await encodeJpegCrop(img, expandRect(d.box, o.margin, img.width, img.height))).toString('base64'),
    })));
  return { op: 'crop', width: img.width, height: img.height, faces };
}

serveThread<EmotionThreadInit, EmotionThreadRequest, EmotionThreadResponse>({
  init,
  async run(req, isCancelled) {
    if (req.op === 'crop') return crop(req.image, req.options);
    const results = [];
    for (let i = 0; i < req.faces.length; i++) {
      throwIfCancelled(isCancelled);
      const img = await decodeImage(decodeBase64(req.faces[i], `faces[${i}]`), `faces[${i}]`);
      results.push(toEmotionResult(await withTensor(img, (t) => api!.nets.faceExpressionNet.predictExpressions(t))));
    }
    return { op: 'classify', results };
  },
});
