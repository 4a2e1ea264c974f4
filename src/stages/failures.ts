import type { SkipReason } from './ports';

/**
 * Maps an inference failure to the skip reason stored with the skipped frames/chunks. Matches on names and
 * codes rather than classes so that any client (ours, cockatiel's errors, a fake) classifies the same way.
 */
export function classifyFailure(err: unknown): { reason: SkipReason; detail: string } {
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  const name = String(e?.name ?? '');
  const code = String(e?.code ?? '');
  const detail = truncate(String(e?.message ?? err));
  if (/BrokenCircuit|Isolated|CircuitOpen/i.test(name) || /BREAKER|CIRCUIT/i.test(code)) return { reason: 'breaker_open', detail };
  if (/SPEND|BUDGET/i.test(code) || /spend cap/i.test(detail)) return { reason: 'spend_cap', detail };
  if (name === 'AbortError' || code === 'ABORT_ERR') return { reason: 'shutdown', detail };
  return { reason: 'endpoint_error', detail };
}

function truncate(s: string, max = 300): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
