import type { ModelName } from './contracts';
import { fixtureJpeg, fixtureWav } from './fixtures';
import type { InferenceClient } from './inference';

/** Latency targets per model (p95 must be under them for PASS). */
export const LATENCY_TARGET_MS: Partial<Record<ModelName, number>> = { yolo: 200, whisper: 500, vlm: 2000 };

export interface EndpointCheck {
  model: ModelName;
  endpointIds: string[];
  samples: number;
  p50Ms?: number;
  p95Ms?: number;
  targetMs?: number;
  verdict: 'PASS' | 'SLOW' | 'FAIL' | 'SKIP';
  detail?: string;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Sends a generated fixture to each configured endpoint `samples` times (cache off), validates every reply
 * (the client does) and reports p50/p95 against the targets.
 */
export async function checkEndpoints(client: InferenceClient, models: ModelName[], samples = 5): Promise<EndpointCheck[]> {
  const jpg = fixtureJpeg();
  const wav = fixtureWav(1);
  const calls: Record<ModelName, () => Promise<unknown>> = {
    yolo: () => client.detect([jpg], { cache: false }),
    emotion: () => client.emotions([jpg], { cache: false }),
    whisper: () => client.transcribe(wav, { cache: false }),
    diarization: () => client.diarize(wav, { cache: false }),
    vlm: async () => {
      const r = await client.describe({ prompt: 'Describe this test image.', images: [jpg] }, { cache: false, maxTokens: 128 });
      if (!r.reply.ok) throw new Error(`VLM reply is unusable: ${r.reply.error}`);
    },
  };
  const out: EndpointCheck[] = [];
  for (const model of models) {
    const endpointIds = client.runpod.config.models[model].endpointIds;
    const targetMs = LATENCY_TARGET_MS[model];
    if (!endpointIds.length) {
      out.push({ model, endpointIds, samples: 0, targetMs, verdict: 'SKIP', detail: `RUNPOD_${model.toUpperCase()}_ENDPOINT_ID not set` });
      continue;
    }
    const times: number[] = [];
    try {
      // One untimed warm-up call: the first one pays the cold start (reported separately by RunPod as delayTime).
      await calls[model]();
      for (let i = 0; i < samples; i++) {
        const t0 = performance.now();
        await calls[model]();
        times.push(performance.now() - t0);
      }
    } catch (err) {
      out.push({ model, endpointIds, samples: times.length, targetMs, verdict: 'FAIL', detail: (err as Error).message });
      continue;
    }
    times.sort((a, b) => a - b);
    const p95 = quantile(times, 0.95);
    out.push({ model, endpointIds, samples, p50Ms: quantile(times, 0.5), p95Ms: p95, targetMs, verdict: targetMs === undefined || p95 < targetMs ? 'PASS' : 'SLOW' });
  }
  return out;
}

export function formatChecks(rows: EndpointCheck[]): string {
  const f = (x?: number) => (x === undefined ? '-' : `${x.toFixed(0)} ms`);
  return rows
    .map((r) => `${r.verdict.padEnd(4)} ${r.model.padEnd(11)} ${r.endpointIds.join(',').padEnd(16)} p50 ${f(r.p50Ms).padStart(8)}  p95 ${f(r.p95Ms).padStart(8)}  target ${r.targetMs ? `< ${r.targetMs} ms` : '(none)'}${r.detail ? `  ${r.detail}` : ''}`)
    .join('\n');
}
