/** A phase's figures for the RESULT lines: slopes and lag after warm-up, counters at its end. */
import type { PhaseMode, PhaseResult } from './phase';
import { quantile, slopePerMin } from './stats';

export interface PhaseSummary {
  mode: PhaseMode;
  interrupted: boolean;
  samplesAfterWarmup: number;
  minutesAfterWarmup: number;
  rssSlope: number;
  heapSlope: number;
  rssFirstMb: number;
  rssLastMb: number;
  loop: { p50: number; p99: number; max: number };
  worstIntervalP99: number;
  /** Over every (stream, interval) after warm-up: max(ingest lag, live-feed lag), ms. */
  lagMax: number;
  lagP95: number;
  ingestLagMax: number;
  liveLagMax: number;
  lagPoints: number;
  framesIngested: number;
  framesAnalysed: number;
  analysedPct: number;
  /** Frames not analysed, by where and why (cumulative over the phase). */
  losses: Record<string, number>;
  /** Reconnects and restarts while sampling (start-up ones, before every stream ran, are not counted). */
  reconnects: number;
  restarts: number;
}

export function summarize(r: PhaseResult): PhaseSummary {
  const after = r.samples.filter((s) => s.t >= r.warmupMinutes * 60_000);
  const first = r.samples[0];
  const last = r.samples[r.samples.length - 1];
  const lags = after.flatMap((s) => s.streams.map((x) => x.lagMs)).filter(Number.isFinite);
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
  const sum = (f: (x: PhaseResult['samples'][number]['streams'][number]) => number) => (last ? last.streams.reduce((a, x) => a + f(x), 0) : 0);
  const framesIngested = sum((x) => x.frames);
  const framesAnalysed = sum((x) => x.det?.framesDetected ?? 0);
  const losses: Record<string, number> = {
    'ingest dropped': sum((x) => x.dropped),
    ...(r.mode === 'analysed' ? {
      'detection skipped': sum((x) => x.det?.framesSkipped ?? 0),
      'detection dropped (queue)': sum((x) => x.det?.framesDropped ?? 0),
      'detection thinned (fps_adapted)': sum((x) => x.det?.framesThinned ?? 0),
    } : {}),
    ...Object.fromEntries(Object.entries(r.skipped).map(([k, v]) => [`live ${k}`, v])),
  };
  for (const k of Object.keys(losses)) if (!losses[k]) delete losses[k];
  return {
    mode: r.mode,
    interrupted: r.interrupted,
    samplesAfterWarmup: after.length,
    minutesAfterWarmup: after.length ? (after[after.length - 1].t - after[0].t) / 60_000 : 0,
    rssSlope: slopePerMin(after.map((s) => ({ t: s.t, v: s.rssMb }))),
    heapSlope: slopePerMin(after.map((s) => ({ t: s.t, v: s.heapMb }))),
    rssFirstMb: after[0]?.rssMb ?? NaN,
    rssLastMb: after[after.length - 1]?.rssMb ?? NaN,
    loop: r.loopAfterWarmup,
    worstIntervalP99: max(after.map((s) => s.loopP99Ms).filter(Number.isFinite)),
    lagMax: max(lags),
    lagP95: quantile(lags, 0.95),
    ingestLagMax: max(after.flatMap((s) => s.streams.map((x) => x.ingestLagMs)).filter(Number.isFinite)),
    liveLagMax: max(after.flatMap((s) => s.streams.map((x) => x.liveLagMs)).filter(Number.isFinite)),
    lagPoints: lags.length,
    framesIngested,
    framesAnalysed,
    analysedPct: framesIngested ? (100 * framesAnalysed) / framesIngested : NaN,
    losses,
    reconnects: sum((x) => x.reconnects) - (first?.streams.reduce((a, x) => a + x.reconnects, 0) ?? 0),
    restarts: sum((x) => x.restarts) - (first?.streams.reduce((a, x) => a + x.restarts, 0) ?? 0),
  };
}
