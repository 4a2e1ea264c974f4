import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { VideoAgentError } from '../../errors';

/**
 * Directory of an installed package found along Node's lookup paths. Needed because some packages' `exports`
 * hide both package.json and the files we load by path (@vladmandic/human's exports are broken for Node).
 */
export function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = path.join(base, name);
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new VideoAgentError('E_MODEL_MISSING', `package ${name} is not installed (run npm install)`);
}

export const modelPaths = {
  /** tfjs-backend-wasm's .wasm binaries (setWasmPaths wants a trailing slash). */
  tfjsWasmDir: (): string => path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep,
  /** CenterNet (COCO-80) as a tfjs graph model, shipped inside @vladmandic/human. */
  centernetModelUrl: (): string => pathToFileURL(path.join(packageDir('@vladmandic/human'), 'models', 'centernet.json')).href,
  faceApiEntry: (): string => path.join(packageDir('@vladmandic/face-api'), 'dist', 'face-api.node-wasm.js'),
  faceApiModelDir: (): string => path.join(packageDir('@vladmandic/face-api'), 'model'),
};
