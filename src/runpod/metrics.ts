import { Counter, Histogram } from 'prom-client';
import { registry } from '../obs/metrics';

/** RunPod client metrics on the process registry (created once per process). */
export const runpodMetrics = {
  calls: new Counter({ name: 'video_agent_runpod_calls_total', help: 'RunPod model calls by outcome', labelNames: ['model', 'endpoint', 'outcome'] as const, registers: [registry] }),
  requests: new Counter({ name: 'video_agent_runpod_http_requests_total', help: 'HTTP requests to RunPod by op and status', labelNames: ['endpoint', 'op', 'status'] as const, registers: [registry] }),
  errors: new Counter({ name: 'video_agent_runpod_errors_total', help: 'RunPod errors by type', labelNames: ['model', 'type'] as const, registers: [registry] }),
  retries: new Counter({ name: 'video_agent_runpod_retries_total', help: 'RunPod request retries', labelNames: ['endpoint'] as const, registers: [registry] }),
  latency: new Histogram({
    name: 'video_agent_runpod_call_seconds',
    help: 'RunPod call latency, submit to final result',
    labelNames: ['model'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  }),
  gpuSeconds: new Counter({ name: 'video_agent_runpod_gpu_seconds_total', help: 'Booked GPU seconds: executionTime + per-call overhead on RunPod; modelled (estimate, src/runpod/gpu-timing.ts) for local CPU models', labelNames: ['model'] as const, registers: [registry] }),
  costUsd: new Counter({ name: 'video_agent_runpod_cost_usd_total', help: 'Estimated RunPod spend in USD', labelNames: ['model'] as const, registers: [registry] }),
  spendCapFallback: new Counter({ name: 'video_agent_runpod_spend_cap_fallback_total', help: 'Shared (Redis) spend cap operations that failed; reserves then fell back to the process-local cap', labelNames: ['op'] as const, registers: [registry] }),
  cacheHits: new Counter({ name: 'video_agent_runpod_cache_hits_total', help: 'Calls answered from the content-hash cache', labelNames: ['model'] as const, registers: [registry] }),
};
