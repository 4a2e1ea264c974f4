/**
 * bench/soak (issue 16): `serve` (startServer in this process, store on PostgreSQL schema bench_soak, stub
 * endpoints at 0 ms on the in-process emulator) with 4 live 640x360 RTSP streams for a long time, sampled
 * every 5 s (bench/soak/phase.ts). Two phases in one run, one serve each over the same clip and mount:
 * 1. ingest-only (stages: []) for --baseline-minutes (default a third of --minutes, at least 2): the baseline;
 * 2. analysed (all default stages) for --minutes (default 5; 1 with --quick).
 * A warm-up (--warmup-minutes; default 2, or 20 % of a phase when shorter) is left out of the slopes and
 * lag figures. Goals: analysed RSS slope − ingest-only slope ≤ 0.2 MB/min; per-stream lag < 1 s.
 * Raw samples go to data/bench/soak-<timestamp>.json. SIGINT stops the phase at once, cleans up and still
 * prints and writes what was measured. Options: --streams N (4), --fps N (5), --sample-s S (5).
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateClip } from '../../src/media';
import { dropBenchSchema, fmt, openBenchRuntime } from '../serve/harness';
import { GC_EXPOSED, runPhase, type PhaseResult } from './phase';
import { summarize, type PhaseSummary } from './summary';
import { warmupMinutes } from './stats';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name: string): number | undefined => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name}: expected a number, got ${argv[i + 1]}`);
  return v;
};
const log = (s: string) => console.log(s);
const SCHEMA = 'bench_soak';
const SLOPE_GOAL = 0.2;
const LAG_GOAL_MS = 1000;

async function main(): Promise<void> {
  const minutes = opt('--minutes') ?? (quick ? 1 : 5);
  const baselineMinutes = opt('--baseline-minutes') ?? Math.max(2, minutes / 3);
  const askedWarmup = opt('--warmup-minutes');
  const streams = opt('--streams') ?? 4;
  const fps = opt('--fps') ?? 5;
  const sampleMs = (opt('--sample-s') ?? 5) * 1000;
  const phases = [
    { mode: 'ingest-only' as const, minutes: baselineMinutes, warmup: warmupMinutes(baselineMinutes, askedWarmup) },
    { mode: 'analysed' as const, minutes, warmup: warmupMinutes(minutes, askedWarmup) },
  ];
  for (const p of phases) {
    if (!(p.minutes > 0) || p.warmup * 60_000 + 2 * sampleMs > p.minutes * 60_000) throw new Error(`${p.mode}: ${p.minutes} min leaves under two samples after a ${p.warmup} min warm-up`);
  }
  const ac = new AbortController();
  const onSignal = () => { log('\nSIGINT: stopping the soak (cleaning up; what was measured is still reported)'); ac.abort(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // Every phase's clients play the file from its start: long enough for the longer phase plus start-up.
  const clipS = Math.ceil(Math.max(minutes, baselineMinutes) * 60) + 120;
  const t0 = Date.now();
  const clip = await generateClip({
    durationS: clipS, width: 640, height: 360, fps: 15, audio: 'tone', pattern: 'ball', bitrateKbps: 500, keyframeIntervalS: 1,
    dir: path.resolve('data', 'bench'), name: `bench-soak-360p15-500k-aac-${clipS}s`,
  });
  const total = phases.reduce((a, p) => a + p.minutes, 0);
  log(`soak: ${streams} live RTSP streams, ingest-only ${fmt(baselineMinutes, 1)} min then analysed ${fmt(minutes, 1)} min (about ${fmt(total + 1, 0)} min in all); clip ${clip} (${clipS} s 640x360 15 fps H.264 + AAC tone, ${Date.now() - t0 > 1000 ? 'generated' : 'cached'}); store: PostgreSQL schema ${SCHEMA}; ${GC_EXPOSED ? 'RSS after a forced gc()' : 'no --expose-gc: RSS as is (run through bench/run.ts for a forced gc)'}`);

  const results: PhaseResult[] = [];
  const rt = await openBenchRuntime({ yolo: 0, whisper: 0, vlm: 0 }, 32, SCHEMA);
  try {
    for (const p of phases) {
      if (ac.signal.aborted) break;
      const printEveryMs = Math.min(5 * 60_000, Math.max(sampleMs, (p.minutes * 60_000) / 6));
      results.push(await runPhase({ rt: rt.runtime, clip, mode: p.mode, streams, fps, minutes: p.minutes, warmupMinutes: p.warmup, sampleMs, printEveryMs, signal: ac.signal, log }));
    }
  } finally {
    await rt.close();
    await dropBenchSchema(SCHEMA);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const sums = results.map(summarize);
  report(sums);
  const file = path.resolve('data', 'bench', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ args: { minutes, baselineMinutes, warmup: phases.map((p) => p.warmup), streams, fps, sampleMs, gcExposed: GC_EXPOSED, clip }, summaries: sums, phases: results }, null, 1));
  log(`raw samples: ${file}`);
  if (ac.signal.aborted) process.exitCode = 130;
}

function report(sums: PhaseSummary[]): void {
  const base = sums.find((s) => s.mode === 'ingest-only');
  const an = sums.find((s) => s.mode === 'analysed');
  log('');
  for (const s of sums) {
    log(`RESULT soak ${s.mode} RSS slope after warm-up: ${fmt(s.rssSlope, 3)} MB/min (${s.samplesAfterWarmup} samples over ${fmt(s.minutesAfterWarmup, 1)} min, RSS ${fmt(s.rssFirstMb, 1)} -> ${fmt(s.rssLastMb, 1)} MB, heap slope ${fmt(s.heapSlope, 3)} MB/min)`);
    log(`RESULT soak ${s.mode} event loop after warm-up: p50 ${fmt(s.loop.p50, 1)} ms, p99 ${fmt(s.loop.p99, 1)} ms, max ${fmt(s.loop.max, 1)} ms (worst 5 s interval p99 ${fmt(s.worstIntervalP99, 1)} ms)`);
    log(`RESULT soak ${s.mode} frames: ${s.framesIngested} ingested, ${s.framesAnalysed} analysed (${fmt(s.analysedPct, 1)} %), dropped/skipped: ${Object.entries(s.losses).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}; ${s.reconnects} reconnects, ${s.restarts} restarts while sampling${s.interrupted ? ' (phase interrupted)' : ''}`);
  }
  if (an) log(`RESULT soak analysed per-stream lag after warm-up: max ${fmt(an.lagMax)} ms, p95 ${fmt(an.lagP95)} ms (ingest lag max ${fmt(an.ingestLagMax)} ms; live-feed lag max ${fmt(an.liveLagMax)} ms; ${an.lagPoints} stream-intervals)`);
  if (base && an) {
    const diff = an.rssSlope - base.rssSlope;
    const slopeOk = Number.isFinite(diff) && diff <= SLOPE_GOAL;
    log(`RESULT soak RSS slope analysed - ingest-only: ${fmt(diff, 3)} MB/min (goal <= ${SLOPE_GOAL}): ${slopeOk ? 'MEETS' : 'MISSES'} the goal`);
    const lagOk = Number.isFinite(an.lagMax) && an.lagMax < LAG_GOAL_MS;
    log(`RESULT soak per-stream lag max ${fmt(an.lagMax)} ms (goal < ${LAG_GOAL_MS} ms): ${lagOk ? 'MEETS' : 'MISSES'} the goal`);
    if (an.interrupted || base.interrupted) log('RESULT soak interrupted: the verdicts cover a shorter run than asked');
  } else {
    log('RESULT soak incomplete (interrupted before both phases ran): no verdict');
  }
}

main().then(() => process.exit(process.exitCode ?? 0), (err) => { console.error(err); process.exit(1); });
