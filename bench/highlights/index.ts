/**
 * Highlights vs planted moments: generated media (a tone and a bouncing ball) with loud bursts and hard
 * scene cuts at seeded random times, analysed by `vlm,highlights` (the VLM's rule-based captioner in the
 * graph, as in `analyze`); a planted moment is found when a highlight's span covers it. Baseline in the
 * same run: the fixed thresholds a naive detector would use (a second above -20 dBFS, a frame's scene
 * distance above 0.3), on the same media and on a copy whose background tone is 8 dB louder (-18 dBFS, above
 * that threshold, still below the bursts): the stream's own running baseline is what keeps the fused
 * stage's precision there. Precision is by time: the share of flagged seconds within 4.5 s of a planted
 * moment (one span over the whole stream covers everything and means nothing). `--quick`: 90 s instead of 240 s. Postgres: TEST_DATABASE_URL (default 127.0.0.1:5432/test).
 */
import path from 'node:path';
import type { Pool } from 'pg';
import { analyzeSource } from '../../src/analyze/run-analysis';
import { openRuntime, type Runtime } from '../../src/analyze/runtime';
import { rms, rmsToDb, toFloat32 } from '../../src/audio';
import { openSource, resolveSource } from '../../src/ingest';
import { generateClip } from '../../src/media';
import { startLocalInference } from '../../src/runpod';
import { parseStages } from '../../src/stages';
import { openStore } from '../../src/store';

const quick = process.argv.includes('--quick');
const DURATION_S = quick ? 90 : 240;
const DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** Planted moments 15–35 s apart (and 15 s from the ends), alternating loud / cut. */
function plan(seed: number): { loud: number[]; cuts: number[] } {
  const rand = rng(seed);
  const times: number[] = [];
  for (let t = 15 + rand() * 10; t < DURATION_S - 15; t += 15 + rand() * 20) times.push(Math.round(t * 10) / 10);
  return { loud: times.filter((_, i) => i % 2 === 0), cuts: times.filter((_, i) => i % 2 === 1) };
}

type Span = { startS: number; endS: number };
interface Score { planted: number; found: number; spans: number; flaggedS: number; nearS: number; precision: number; recall: number }

function score(spans: Span[], planted: number[]): Score {
  const inside = (h: Span, t: number) => h.startS <= t && t <= h.endS;
  let flaggedS = 0;
  let nearS = 0;
  for (let t = 0; t < DURATION_S; t += 0.5) {
    if (!spans.some((h) => inside(h, t))) continue;
    flaggedS += 0.5;
    if (planted.some((p) => Math.abs(p - t) <= 4.5)) nearS += 0.5;
  }
  const found = planted.filter((t) => spans.some((h) => inside(h, t))).length;
  return { planted: planted.length, found, spans: spans.length, flaggedS, nearS, precision: flaggedS ? nearS / flaggedS : 0, recall: found / Math.max(1, planted.length) };
}

const fmt = (s: Score) => `${s.found}/${s.planted} planted covered (recall ${s.recall.toFixed(2)}) by ${s.spans} spans; ${s.nearS}/${s.flaggedS} flagged s near one (precision ${s.precision.toFixed(2)})`;

/** The naive detector: per-second loudness above -20 dBFS, or a stored frame scene score above 0.3. */
async function fixedThresholds(pool: Pool, file: string, streamId: string): Promise<Span[]> {
  const session = await openSource(resolveSource(file), { streamId: `${streamId}-naive`, startTimeMs: 0, params: { fps: 5 } });
  const perSec = new Map<number, { sq: number; n: number }>();
  await session.run({
    onFrame: () => {},
    onAudio: (c) => {
      const s = toFloat32(c.pcm);
      const a = perSec.get(Math.floor(c.ptsUs / 1e6)) ?? { sq: 0, n: 0 };
      const r = rms(s);
      a.sq += r * r * s.length; a.n += s.length;
      perSec.set(Math.floor(c.ptsUs / 1e6), a);
    },
  });
  const flagged = new Set<number>();
  for (const [sec, a] of perSec) if (a.n && rmsToDb(Math.sqrt(a.sq / a.n)) > -20) flagged.add(sec);
  const scenes = await pool.query('SELECT pts_us FROM frames WHERE stream_id = $1 AND scene_score > 0.3', [streamId]);
  for (const r of scenes.rows) flagged.add(Math.floor(Number(r.pts_us) / 1e6));
  // Consecutive flagged seconds are one detection, widened like a highlight (4 s each side of its second).
  const spans: Span[] = [];
  for (const s of [...flagged].sort((a, b) => a - b)) {
    const last = spans[spans.length - 1];
    if (last && s - 3.5 <= last.endS) last.endS = s + 4.5;
    else spans.push({ startS: Math.max(0, s - 3.5), endS: s + 4.5 });
  }
  return spans;
}

async function run(rt: Runtime, pool: Pool, file: string, streamId: string, planted: number[]): Promise<{ fused: Score; naive: Score; wallS: number; spans: string }> {
  const t0 = performance.now();
  await analyzeSource(rt, { input: file, stages: parseStages('vlm,highlights'), fps: 5, streamId, stageOptions: { highlights: { topN: 20 } } });
  const wallS = (performance.now() - t0) / 1000;
  const rows = (await pool.query('SELECT start_us, end_us, contributions FROM highlights WHERE stream_id = $1 ORDER BY start_us', [streamId])).rows;
  const hl = rows.map((r) => ({ startS: Number(r.start_us) / 1e6, endS: Number(r.end_us) / 1e6, why: Object.keys(r.contributions as object).join('+') }));
  return {
    fused: score(hl, planted), naive: score(await fixedThresholds(pool, file, streamId), planted), wallS,
    spans: hl.map((h) => `${h.startS.toFixed(0)}–${h.endS.toFixed(0)} ${h.why}`).join(', '),
  };
}

async function main(): Promise<void> {
  const p = plan(7);
  const planted = [...p.loud.map((t) => t + 0.75), ...p.cuts].sort((a, b) => a - b);
  const patterns = ['smpte', 'snow', 'checkers-8', 'circular', 'gradient', 'pinwheel'];
  const base = {
    durationS: DURATION_S, width: 320, height: 180, fps: 10, audio: 'tone' as const, pattern: 'ball', dir: path.resolve('data', 'bench'),
    cutTo: p.cuts.map((atS, i) => ({ atS, pattern: patterns[i % patterns.length]! })), loud: p.loud.map((atS) => ({ atS, seconds: 1.5 })),
  };
  console.log(`media: ${DURATION_S} s; ${p.loud.length} loud bursts (1.5 s pink noise, -11.5 dBFS RMS) at ${p.loud.join(', ')} s; ${p.cuts.length} cuts at ${p.cuts.join(', ')} s`);
  const quiet = await generateClip(base);
  const loudBg = await generateClip({ ...base, toneVolume: 0.18 });

  const admin = await openStore({ databaseUrl: DB, migrate: false });
  await admin.pool.query('DROP SCHEMA IF EXISTS bench_highlights CASCADE');
  await admin.close();
  const store = await openStore({ databaseUrl: DB, schema: 'bench_highlights' });
  const inference = await startLocalInference({ env: {} });
  const rt = await openRuntime({ store, runpod: inference.client.runpod });
  try {
    for (const [label, file] of [['quiet background (-26 dBFS tone)', quiet], ['loud background (-18 dBFS tone)', loudBg]] as const) {
      const r = await run(rt, store.pool, file, label.startsWith('quiet') ? 'bench-hl-quiet' : 'bench-hl-loud', planted);
      console.log(`\n${label}: analysed in ${r.wallS.toFixed(1)} s`);
      console.log(`  fused highlights: ${fmt(r.fused)}`);
      console.log(`  fixed thresholds (baseline): ${fmt(r.naive)}`);
      const [pf, pn, rf, rn] = [r.fused.precision, r.naive.precision, r.fused.recall, r.naive.recall];
      console.log(`  ratio fused / baseline: recall ${(rf / Math.max(1e-9, rn)).toFixed(2)}, precision ${(pf / Math.max(1e-9, pn)).toFixed(2)}, F1 ${((2 * pf * rf) / Math.max(1e-9, pf + rf) / Math.max(1e-9, (2 * pn * rn) / Math.max(1e-9, pn + rn))).toFixed(2)}`);
      console.log(`  highlight spans: ${r.spans}`);
    }
  } finally {
    await rt.close();
    await inference.close();
    await store.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
