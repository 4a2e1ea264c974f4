/**
 * Locates files shipped next to the code (prompts/, runpod-handlers/contracts/) both when running from
 * source (tsx) and from dist/: walk up from this module to the directory holding our package.json.
 */
import fs from 'node:fs';
import path from 'node:path';

let root: string | null = null;

export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'video-agent') return (root = dir);
    if (path.dirname(dir) === dir) throw new Error('cannot find the video-agent package root');
  }
}

export function assetPath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}
