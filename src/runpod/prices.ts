/**
 * RunPod flex-worker prices, USD per second (RunPod's 2025-08 flex-worker table, docs/architecture.md). The cost meter's
 * defaults; RUNPOD_<MODEL>_GPU picks a row, RUNPOD_<MODEL>_PRICE_PER_SEC overrides the number.
 */
export const GPU_PRICE_PER_SECOND = {
  A4000: 0.00016,
  L4: 0.00019,
  A5000: 0.00019,
  '3090': 0.00019,
  '4090': 0.00031,
  A6000: 0.00034,
  A40: 0.00034,
  L40: 0.00053,
  L40S: 0.00053,
  A100: 0.00076,
  H100: 0.00116,
  H200: 0.00155,
  B200: 0.0024,
} as const;

export type GpuType = keyof typeof GPU_PRICE_PER_SECOND;

export function isGpuType(x: string): x is GpuType {
  return Object.hasOwn(GPU_PRICE_PER_SECOND, x);
}
