/**
 * bench/serve: `video-agent serve` (startServer in this process, store on PostgreSQL schema bench_serve,
 * stub endpoints on the in-process emulator), live 720p30 H.264 + AAC RTSP streams from the GstRtspServer
 * fixture on 127.0.0.1. Three measurements, each with a baseline from the same run:
 * 1. capacity: concurrent streams analysed in real time with the default stages at 5 fps (stub endpoints
 *    at 0 ms), beside the ingest-only count (stages: []) of the same serve;
 * 2. live latency: capture → WebSocket arrival per topic with typical endpoint latencies, beside the
 *    frames topic (the ingest floor);
 * 3. API under load: autocannon on GET /v1/streams/{id}/events while 4 streams run, and the streams'
 *    frame and detection rates during the load vs just before it.
 * `--quick`: 12 s windows, ladders 1,2, one latency stream, 50 connections for 5 s (about 2 minutes).
 * Options: --window S, --ladder 1,2,4,… (analysed), --ingest-ladder …, --parts capacity,latency,api,
 * --connections N, --load-s S.
 */
import path from 'node:path';
import { generateClip } from '../../src/media';
import { apiLoad, apiTable } from './api-load';
import { capacityLadder, capacityTable, type CapacityStep } from './capacity';
import { dropBenchSchema, fmt, openBenchRuntime } from './harness';
import { latencyTable, liveLatency } from './latency';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const log = (s: string) => console.log(s);
const FPS = 5;

async function main(): Promise<void> {
  const windowS = Number(opt('--window') ?? (quick ? 12 : 60));
  const ladder = (opt('--ladder') ?? (quick ? '1,2' : '1,2,4,8,12,16,24,32')).split(',').map(Number);
  const ingestLadder = (opt('--ingest-ladder') ?? opt('--ladder') ?? (quick ? '1,2' : '1,2,4,8,12,16,24,32')).split(',').map(Number);
  const parts = new Set((opt('--parts') ?? 'capacity,latency,api').split(','));
  const connections = Number(opt('--connections') ?? (quick ? 50 : 200));
  const loadS = Number(opt('--load-s') ?? (quick ? 5 : 20));
  const latencyStreams = quick ? 1 : 2;

  // The server plays the file in real time from its start for every step: long enough for the longest step.
  const clipS = windowS + 60;
  const t0 = Date.now();
  const clip = await generateClip({
    durationS: clipS, width: 1280, height: 720, fps: 30, audio: 'tone', pattern: 'ball', bitrateKbps: 2500, keyframeIntervalS: 1,
    dir: path.resolve('data', 'bench'), name: `bench-serve-720p30-aac-${clipS}s`,
  });
  log(`clip: ${clip} (${clipS} s 720p30 H.264 + AAC tone, ${Date.now() - t0 > 1000 ? 'generated' : 'cached'}); store: PostgreSQL schema bench_serve`);

  const verdicts: string[] = [];
  try {
    if (parts.has('capacity')) {
      log(`\n## Capacity: live 720p30 RTSP streams (one GstRtspServer mount) in one serve, ${FPS} fps sampling, ${windowS} s window per step; pass = every stream >= 99 % of sampled frames and lag < 1 s`);
      const rt = await openBenchRuntime({ yolo: 0, whisper: 0, vlm: 0 });
      let analysed: { best: number; steps: CapacityStep[] };
      let ingest: { best: number; steps: CapacityStep[] };
      try {
        analysed = await capacityLadder(rt.runtime, clip, 'analysed', ladder, FPS, windowS, log);
        // Ingest-only starts at the analysed count (an analysed step ingests the same media and more): the
        // steps below it would only repeat passes and lengthen the run.
        const from = ingestLadder.filter((n) => n >= analysed.best);
        ingest = await capacityLadder(rt.runtime, clip, 'ingest-only', from.length ? from : ingestLadder, FPS, windowS, log);
      } finally {
        await rt.close();
      }
      log(capacityTable([...analysed.steps, ...ingest.steps]));
      log("(analysed %: of the window's frames, those with a detection that was not skipped; frames %: frames vs fps x window; lag: frame or detection arrival behind the stream's real-time clock)");
      const cap = (r: { best: number }, l: number[]) => (r.best === l[l.length - 1] ? `>= ${r.best}` : String(r.best));
      const ratio = ingest.best > 0 ? analysed.best / ingest.best : NaN;
      const v = `capacity: ${cap(analysed, ladder)} streams analysed (all default stages) vs ${cap(ingest, ingestLadder)} ingest-only in the same serve, ratio ${fmt(ratio, 2)} (goal >= 16 and >= 0.5x): ${analysed.best >= 16 && ratio >= 0.5 ? 'MEETS' : 'MISSES'} the goal`;
      log(`RESULT ${v}`);
      verdicts.push(v);
    }

    if (parts.has('latency')) {
      log(`\n## Live latency: ${latencyStreams} live stream(s), default stages, stub endpoints detection 150 ms / ASR 400 ms / VLM 1500 ms per call, ${windowS} s of captures`);
      const rt = await openBenchRuntime({ yolo: 150, whisper: 400, vlm: 1500 });
      try {
        const r = await liveLatency(rt.runtime, clip, latencyStreams, FPS, windowS);
        log(latencyTable(r));
        const skips = Object.entries(r.skipped).map(([k, n]) => `${k} ${n}`).join(', ');
        log(`detection arrival − its frame's arrival (stage + endpoint alone): p95 ${fmt(r.detOverFrameP95)} ms; skipped outcomes: ${skips || 'none'}`);
        const row = (w: string) => r.rows.find((x) => x.what === w)!;
        const det = row('detections').p95;
        const ev = row('events (from trigger frame)').p95;
        // The window's end is the earliest a description can start: postS of media after the trigger is the
        // stage's design (the VLM sees what follows), so the trigger-frame figure has postS + one VLM call as its floor.
        const evEnd = row('events (from window end)').p95;
        const worst = Math.max(...r.rows.filter((x) => x.n > 0).map((x) => x.p95));
        const v = `latency: detections p95 ${fmt(det)} ms (aim <= 300: ${det <= 300 ? 'MEETS' : 'MISSES'}), events p95 ${fmt(ev)} ms from the trigger frame (aim <= 3000: ${ev <= 3000 ? 'MEETS' : 'MISSES'}; floor: postS + one VLM call), ${fmt(evEnd)} ms from the window's end (<= 3000: ${evEnd <= 3000 ? 'MEETS' : 'MISSES'}), worst topic p95 ${fmt(worst)} ms (seed target < 10000: ${worst < 10_000 ? 'MEETS' : 'MISSES'})${row('events (from trigger frame)').n === 0 ? ' — NO events arrived' : ''}`;
        log(`RESULT ${v}`);
        verdicts.push(v);
      } finally {
        await rt.close();
      }
    }

    if (parts.has('api')) {
      log(`\n## API under load: autocannon ${connections} connections for ${loadS} s on GET /v1/streams/{id}/events while 4 live streams run (default stages, stub endpoints at 0 ms)`);
      const rt = await openBenchRuntime({ yolo: 0, whisper: 0, vlm: 0 });
      try {
        const r = await apiLoad(rt.runtime, clip, 4, FPS, connections, loadS);
        log(apiTable(r));
        const held = r.minStreamRatio >= 0.99;
        const v = `api: p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, ${fmt(r.rps)} req/s, ${r.non2xx} non-2xx, ${r.errors} errors at ${r.connections} connections; stream frame rates ${held ? 'HELD' : 'DROPPED'} (lowest stream during/before ${fmt(r.minStreamRatio, 2)})`;
        log(`RESULT ${v}`);
        verdicts.push(v);
      } finally {
        await rt.close();
      }
    }
  } finally {
    await dropBenchSchema().catch((err) => log(`could not drop schema bench_serve: ${(err as Error).message}`));
  }
  log(`\n## Summary${quick ? ' (quick)' : ''}`);
  for (const v of verdicts) log(`- ${v}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
