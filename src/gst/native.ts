/**
 * Loads video_agent_native.node. cmake-js (`npm run build:native`, build/native/Release) is the
 * primary build; node-gyp (`npm run build:gyp`, build/Release) is tried next — node-gyp rebuild
 * wipes build/, cmake-js output included, so either may be the only one present.
 */
import fs from 'node:fs';
import path from 'node:path';

import { VideoAgentError } from '../errors';
import type * as NativeAddon from '../../native/index';

export type NativeModule = typeof NativeAddon;
export type { NativeBusMessage, NativeDiscoverInfo, NativeErrorCode, NativeErrorFields, NativePipeline, NativeSample } from '../../native/index';

const ADDON_FILE = 'video_agent_native.node';

/** Repository root from src/gst (tsx) or dist/gst (compiled): both are two levels down. */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

export const NATIVE_ADDON_CANDIDATES: readonly string[] = [
  path.join(PACKAGE_ROOT, 'build', 'native', 'Release', ADDON_FILE),
  path.join(PACKAGE_ROOT, 'build', 'Release', ADDON_FILE),
];

let cached: NativeModule | undefined;

/** The native addon, loaded once. Throws E_NATIVE_NOT_BUILT (with the fix) if it is not built. */
export function loadNative(): NativeModule {
  if (cached) return cached;
  const override = process.env.VIDEO_AGENT_NATIVE_ADDON;
  const candidates = override ? [override] : NATIVE_ADDON_CANDIDATES;
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new VideoAgentError(
      'E_NATIVE_NOT_BUILT',
      `the native GStreamer addon is not built (looked for ${candidates.join(', ')}): run npm run build:native`,
    );
  }
  try {
    cached = require(found) as NativeModule;
  } catch (err) {
    throw new VideoAgentError(
      'E_NATIVE_LOAD',
      `the native GStreamer addon at ${found} failed to load (${(err as Error).message}): rebuild it with npm run build:native`,
      { cause: err },
    );
  }
  return cached;
}
