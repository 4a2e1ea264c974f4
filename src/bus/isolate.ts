import type { Delivery } from './types';

export interface IsolateHooks {
  /** Runs the handler on one entry (a batch of one for batch handlers). */
  run(d: Delivery): Promise<void>;
  /** The entry is done: acknowledge it alone. */
  done(d: Delivery): Promise<void>;
  /** The entry failed every attempt: record it (onDrop), then acknowledge it alone. */
  poison(d: Delivery, err: unknown): Promise<void>;
  stopped(): boolean;
}

/**
 * A batch that failed `attempts` times is retried one entry at a time, in stream order, so one entry whose
 * handling keeps throwing (a poison entry) is isolated and recorded instead of dropping its whole read.
 * Each entry alone gets `attempts` tries (with a short pause, so a brief outage is not a drop).
 */
export async function isolateEntries(ds: Delivery[], attempts: number, hooks: IsolateHooks, pauseMs = 20): Promise<void> {
  for (const d of ds) {
    let lastErr: unknown = null;
    let ok = false;
    for (let i = 0; i < attempts && !hooks.stopped(); i++) {
      try {
        await hooks.run(d);
        ok = true;
        break;
      } catch (err) {
        lastErr = err;
        if (i + 1 < attempts) await new Promise((r) => setTimeout(r, pauseMs * (i + 1)));
      }
    }
    if (hooks.stopped()) return; // left pending (Redis) for the next reader
    if (ok) await hooks.done(d);
    else await hooks.poison(d, lastErr);
  }
}
