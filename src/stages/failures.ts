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
  if (causes(err).some((c) => /BrokenCircuit|Isolated|CircuitOpen/i.test(String(c?.name)) || /BREAKER|CIRCUIT/i.test(String(c?.code)))
    || /circuit (is )?open/i.test(detail)) return { reason: 'breaker_open', detail };
  if (/SPEND|BUDGET/i.test(code) || /spend cap/i.test(detail)) return { reason: 'spend_cap', detail };
  if (name === 'AbortError' || code === 'ABORT_ERR') return { reason: 'shutdown', detail };
  return { reason: 'endpoint_error', detail };
}

/** The error and its `cause` chain (a client wraps the breaker's error in its own). */
function causes(err: unknown): { name?: unknown; code?: unknown }[] {
  const out: { name?: unknown; code?: unknown }[] = [];
  for (let e = err as { name?: unknown; code?: unknown; cause?: unknown } | undefined; e && out.length < 5; e = e.cause as typeof e) out.push(e);
  return out;
}

function truncate(s: string, max = 300): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
