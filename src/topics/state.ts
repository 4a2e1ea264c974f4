/**
 * `state`: a supervised stream's life cycle as the server sees it (one message per transition), for the
 * WebSocket, metrics and any API replica reading Redis. `ptsUs` is the media position at the transition.
 */
import { z } from 'zod';
import { jsonCodec } from './codec';

export const STREAM_STATES = ['starting', 'running', 'reconnecting', 'failed', 'ended', 'stopped'] as const;
export type StreamState = (typeof STREAM_STATES)[number];

export interface StateMsg {
  streamId: string;
  ptsUs: number;
  /** Wall clock of the transition (epoch ms). */
  ts: number;
  state: StreamState;
  previous: StreamState | null;
  /** Why (an error's code and message for `failed`, the drop reason for `reconnecting`). */
  reason: string | null;
  /** Supervisor restarts after failures so far. */
  restarts: number;
}

const wire = z.object({
  ts: z.number(),
  state: z.enum(STREAM_STATES),
  previous: z.enum(STREAM_STATES).nullable(),
  reason: z.string().nullable(),
  restarts: z.number().int().nonnegative(),
});

export const stateCodec = jsonCodec<StateMsg, z.infer<typeof wire>>(
  'state', wire,
  (m) => ({ ts: m.ts, state: m.state, previous: m.previous, reason: m.reason, restarts: m.restarts }),
  (w, streamId, ptsUs) => ({ streamId, ptsUs, ts: w.ts, state: w.state, previous: w.previous, reason: w.reason, restarts: w.restarts }),
);
