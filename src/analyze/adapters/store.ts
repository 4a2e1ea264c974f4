/** The stages' result sink on the store (src/store): maps the stage rows to the table rows. */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store';
import type { ResultSink } from '../../stages/ports';

export function storeSink(store: Store): ResultSink {
  return {
    writeFrames: (rows) => store.writeFrames(rows.map((r) => ({ ...r }))),
    writeDetections: (rows) => store.writeDetections(rows.map((r) => ({ ...r }))),
    writeAudioSegments: (rows) => store.writeAudioSegments(rows.map((r) => ({ ...r, prosody: r.prosody ? { ...r.prosody } : null }))),
    writeEvents: (rows) => store.writeEvents(rows.map((r) => ({ ...r }))),
    writeMemoryChunks: (rows) => store.writeMemoryChunks(rows.map(({ source, ...r }) => ({ ...r, kind: source }))),
    recordSkip: (s) => store.recordSkip({ streamId: s.streamId, ptsUs: s.ptsUs, ts: s.ts, stage: s.stage, reason: s.reason, endUs: s.endUs, detail: s.detail ?? null }),
    recordEndpointCall: (c) => store.recordEndpointCall({
      streamId: c.streamId, ts: Date.now(), ptsUs: c.ptsUs, callId: c.billing?.callId ?? `local-${randomUUID()}`,
      model: c.billing?.model ?? c.endpoint, endpoint: c.endpoint, ms: c.ms, gpuSeconds: c.billing?.gpuSeconds ?? 0,
      costUsd: c.billing?.costUsd ?? 0, ok: c.ok, error: c.error ?? null,
    }),
  };
}
