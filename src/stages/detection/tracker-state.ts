/**
 * The per-stream tracker state handed from one detection worker to the next (`state:detection:<streamId>`):
 * the tracker's own snapshot plus the pts of the last frame it saw, so the next holder neither resets the
 * track ids nor feeds the tracker a frame from its past (a redelivered or late-reclaimed entry).
 */
export interface TrackerState {
  tracker: unknown;
  trackedUpToUs: number;
}

export function encodeTrackerState(s: TrackerState): string {
  return JSON.stringify({ v: 1, trackedUpToUs: s.trackedUpToUs, tracker: s.tracker });
}

/** Null for unreadable state (the caller starts a fresh tracker and says so); a bare snapshot is the old format. */
export function decodeTrackerState(raw: string): TrackerState | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const o = parsed as { v?: unknown; trackedUpToUs?: unknown; tracker?: unknown };
  if (o.v === 1) {
    if (!o.tracker || typeof o.trackedUpToUs !== 'number' || !Number.isFinite(o.trackedUpToUs)) return null;
    return { tracker: o.tracker, trackedUpToUs: o.trackedUpToUs };
  }
  return { tracker: parsed, trackedUpToUs: -1 };
}
