/**
 * bench/cost — USD per stream-hour at the defaults (5 fps detection in batches of the detection stage's default
 * size, ASR on speech windows only, VLM on triggers), from a real run: a 10-minute generated clip (quick: 2
 * minutes) with flite speech over part of it goes through the `video-agent analyze` CLI as a process, against a
 * `video-agent emulate` process whose endpoints are stubs (0 ms: we count calls, we do not time CPU models).
 * The calls per endpoint come from the summary; each is priced with the GPU timing model
 * (src/runpod/gpu-timing.ts: estimates, not measurements) and the price table (src/runpod/prices.ts) on the
 * GPU each endpoint is configured for (RUNPOD_<MODEL>_GPU, defaults in src/runpod/config.ts).
 * Baseline in the same run: one always-on worker per endpoint for the hour (price × 3600), the other way to buy it.
 * Emotion and diarization (not default stages) run too and get their own rows; the total is given with and
 * without them. Emotion calls depend on the faces the local finder sees (20 s of a face in the clip), so its
 * bound is printed as well: one call per face track per second (the stage's default interval).
 */
import { spawnSync } from 'node:child_process';
import { startEmulator } from '../common/emulator-process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateClip, DEFAULT_MEDIA_CACHE } from '../../src/media';
import { ASTRONAUT_PNG } from '../../src/media/sample';
import { loadRunpodConfig } from '../../src/runpod/config';
import { ITEM_UNIT, modelledMs, timingFor, type CallItems } from '../../src/runpod/gpu-timing';
import type { ModelName } from '../../src/runpod/contracts';

const quick = process.argv.includes('--quick');
const DURATION_S = quick ? 120 : 600;
const FPS = 5;
/** Speech for about half the clip: flite reads ~2.7 words/s; the text is trimmed to the clip. */
const SPEECH_SHARE_TARGET = 0.5;
/** The detection stage's default batch size (src/stages/detection/detection-stage.ts). */
const BATCH_SIZE = 8;
/** The audio stage's defaults (src/stages/audio/index.ts): 5 s cores sent with 1 s overlap on both sides. */
const WINDOW_S = 5;
const OVERLAP_S = 1;
/** The VLM stage's default maxImages (src/stages/vlm/index.ts) and the reply length of runpod-handlers/vlm/README.md. */
const VLM_IMAGES = 4;
const VLM_OUTPUT_TOKENS = 300;
/** The diarization stage's defaults (src/stages/diarization/index.ts): 10 s cores, 1 s overlap each side. */
const DIAR_WINDOW_S = 10;
const DIAR_OVERLAP_S = 1;
const ENDPOINTS = ['yolo', 'whisper', 'vlm', 'emotion', 'diarization'] as const;
const DEFAULT_ENDPOINTS = new Set<string>(['yolo', 'whisper', 'vlm']);

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'bin', 'video-agent.js');

function speechText(seconds: number): string {
  const sentences = [
    'The camera shows a person standing in front of a wall.',
    'A red ball bounces from one side of the screen to the other.',
    'The speaker describes what happens and then pauses for a while.',
    'Every few seconds the scene changes and something new appears.',
  ];
  const words = Math.round(seconds * 2.7);
  const out: string[] = [];
  for (let n = 0, i = 0; n < words; i++) {
    out.push(sentences[i % sentences.length]);
    n += sentences[i % sentences.length].split(' ').length;
  }
  return out.join(' ');
}

interface Counts {
  calls: Partial<Record<ModelName, number>>;
  framesDetected: number;
  batches: number;
  windows: number;
  sentWindows: number;
  vlmCalls: number;
  facesAnalysed: number;
  triggers: string;
  summary: string;
}

function parseSummary(text: string): Counts {
  const num = (re: RegExp, what: string) => {
    const m = re.exec(text);
    if (!m) throw new Error(`summary has no ${what}:\n${text}`);
    return Number(m[1]);
  };
  const calls: Counts['calls'] = {};
  for (const m of text.matchAll(/^ {2}(yolo|whisper|vlm|emotion|diarization): (\d+) calls, (\d+) failed/gm)) calls[m[1] as ModelName] = Number(m[2]) - Number(m[3]);
  const det = /detection: (\d+)\/\d+ frames in (\d+) batches/.exec(text);
  const aud = /audio: (\d+) windows \((\d+) silent, (\d+) sent/.exec(text);
  return {
    calls,
    framesDetected: det ? Number(det[1]) : 0,
    batches: det ? Number(det[2]) : 0,
    windows: aud ? Number(aud[1]) : 0,
    sentWindows: aud ? Number(aud[3]) : 0,
    vlmCalls: num(/vlm: (\d+) calls/, 'vlm stage line'),
    facesAnalysed: Number(/emotion: .*?(\d+) analysed/.exec(text)?.[1] ?? 0),
    triggers: /triggers ([^\n]*)/.exec(text)?.[1] ?? 'none',
    summary: text,
  };
}

async function main(): Promise<void> {
  const cache = path.join(DEFAULT_MEDIA_CACHE, 'bench-cost');
  const speechS = Math.round(DURATION_S * SPEECH_SHARE_TARGET);
  const still = fs.existsSync(ASTRONAUT_PNG) ? { path: ASTRONAUT_PNG, seconds: 20 } : undefined;
  const t0 = Date.now();
  const clip = await generateClip({ durationS: DURATION_S, width: 640, height: 360, fps: 30, audio: 'speech', speechText: speechText(speechS), pattern: 'ball', still, dir: cache });
  console.log(`clip: ${clip} (${DURATION_S / 60} min${quick ? ', --quick: shorter than the 10-minute default' : ''}, 640x360, flite speech for ~${speechS} s then silence; ready in ${((Date.now() - t0) / 1000).toFixed(1)} s, cached)`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cost-'));
  const emuConfig = path.join(work, 'stubs.yaml');
  fs.writeFileSync(emuConfig, ['endpoints:', ...ENDPOINTS.flatMap((m) => [`  ${m}:`, '    backend: stub', `    model: ${m}`, '    maxWorkers: 8'])].join('\n') + '\n');
  const emu = await startEmulator(emuConfig);
  let counts: Counts;
  try {
    const env = {
      ...process.env, LOG_LEVEL: 'warn',
      // A key makes the client treat the endpoints as RunPod's; the bench prices the calls itself below.
      RUNPOD_API_KEY: emu.apiKey, RUNPOD_API_BASE: emu.apiBase,
      RUNPOD_YOLO_ENDPOINT_ID: 'yolo', RUNPOD_WHISPER_ENDPOINT_ID: 'whisper', RUNPOD_VLM_ENDPOINT_ID: 'vlm',
      RUNPOD_EMOTION_ENDPOINT_ID: 'emotion', RUNPOD_DIARIZATION_ENDPOINT_ID: 'diarization',
    };
    delete (env as Record<string, string | undefined>).DATABASE_URL;
    delete (env as Record<string, string | undefined>).REDIS_URL;
    const t1 = Date.now();
    const r = spawnSync(process.execPath, [cli, 'analyze', clip, '--fps', String(FPS), '--data-dir', path.join(work, 'data'), '--no-progress', '--stream-id', 'bench-cost', '--stages', 'detection,audio,vlm,emotion,diarization'], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`analyze exited ${r.status}: ${r.stderr}`);
    console.log(`analyze (stub endpoints) took ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    counts = parseSummary(r.stdout);
  } finally {
    emu.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }

  const cfg = loadRunpodConfig(process.env);
  const minutes = DURATION_S / 60;
  const speechShare = counts.windows ? counts.sentWindows / counts.windows : 0;
  const emotionCalls = counts.calls.emotion ?? 0;
  const perCall: Record<(typeof ENDPOINTS)[number], CallItems> = {
    yolo: { items: counts.batches ? counts.framesDetected / counts.batches : 0, outputTokens: 0 },
    whisper: { items: WINDOW_S + 2 * OVERLAP_S, outputTokens: 0 },
    vlm: { items: VLM_IMAGES, outputTokens: VLM_OUTPUT_TOKENS },
    emotion: { items: emotionCalls ? counts.facesAnalysed / emotionCalls : 1, outputTokens: 0 },
    diarization: { items: DIAR_WINDOW_S + 2 * DIAR_OVERLAP_S, outputTokens: 0 },
  };
  console.log('\nassumptions:');
  console.log(`  detection ${FPS} fps, batches of ${BATCH_SIZE} (measured ${perCall.yolo.items.toFixed(2)} images per call); ASR windows ${WINDOW_S} s + ${OVERLAP_S} s overlap each side (${perCall.whisper.items} audio s per call), speech windows only`);
  console.log(`  speech share ${(speechShare * 100).toFixed(0)} % (${counts.sentWindows}/${counts.windows} windows sent); VLM ${(counts.vlmCalls / minutes).toFixed(2)} triggers/min (${counts.triggers}), ${VLM_IMAGES} images + ${VLM_OUTPUT_TOKENS} output tokens per call`);
  console.log(`  overhead ${cfg.overheadSecondsPerCall} s per call (RUNPOD_COST_OVERHEAD_SEC); GPU seconds are MODELLED (src/runpod/gpu-timing.ts, estimates from the handler READMEs), not measured`);

  const rows: string[][] = [['endpoint', 'GPU', 'timing (estimate)', 'calls', 'calls/h', 'GPU s/h', 'USD/h', 'always-on USD/h', 'ratio']];
  let total = 0;
  let alwaysOn = 0;
  let totalDefault = 0;
  let alwaysOnDefault = 0;
  const priceRow = (m: (typeof ENDPOINTS)[number], callsPerHour: number): number =>
    callsPerHour * (modelledMs(timingFor(m, cfg.models[m].gpu).timing, perCall[m]) / 1000 + cfg.overheadSecondsPerCall) * cfg.models[m].pricePerSecond;
  for (const m of ENDPOINTS) {
    const calls = counts.calls[m] ?? 0;
    const gpu = cfg.models[m].gpu;
    const row = timingFor(m, gpu);
    const gpuS = (calls * (modelledMs(row.timing, perCall[m]) / 1000 + cfg.overheadSecondsPerCall) * 3600) / DURATION_S;
    const usd = gpuS * cfg.models[m].pricePerSecond;
    const on = 3600 * cfg.models[m].pricePerSecond;
    total += usd;
    alwaysOn += on;
    if (DEFAULT_ENDPOINTS.has(m)) { totalDefault += usd; alwaysOnDefault += on; }
    const t = row.timing;
    const timing = `${t.baseMs} ms + ${t.perItemMs} ms/${ITEM_UNIT[m]}${t.perOutputTokenMs ? ` + ${t.perOutputTokenMs} ms/token` : ''}${row.exact ? '' : ` (${row.gpu} row)`}`;
    rows.push([m, gpu, timing, String(calls), ((calls * 3600) / DURATION_S).toFixed(0), gpuS.toFixed(1), usd.toFixed(4), on.toFixed(3), (usd / on).toFixed(3)]);
  }
  rows.push(['total (default stages)', '', '', '', '', '', totalDefault.toFixed(4), alwaysOnDefault.toFixed(3), (totalDefault / alwaysOnDefault).toFixed(3)]);
  rows.push(['total (all five)', '', '', '', '', '', total.toFixed(4), alwaysOn.toFixed(3), (total / alwaysOn).toFixed(3)]);
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  console.log('');
  for (const r of rows) console.log('  ' + r.map((c, k) => (k < 3 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  '));
  console.log(`\n  emotion bound: one face track in view all hour = 3600 calls/h = $${priceRow('emotion', 3600).toFixed(4)}/h; measured here ${emotionCalls} calls for ${counts.facesAnalysed} faces (${(emotionCalls / minutes).toFixed(1)} calls/min)`);
  console.log(`  diarization: ${(counts.calls.diarization ?? 0)} calls (${((counts.calls.diarization ?? 0) / minutes).toFixed(1)} calls/min, silent windows are not sent)`);
  console.log(`\nRESULT USD per stream-hour (estimate, modelled GPU time), default stages: ${totalDefault.toFixed(4)} (ratio to always-on ${(totalDefault / alwaysOnDefault).toFixed(3)}); with emotion + diarization (estimate, modelled GPU time): ${total.toFixed(4)}; ratio to one always-on worker per endpoint: ${(total / alwaysOn).toFixed(3)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
