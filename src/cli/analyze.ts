import type { Command } from 'commander';
import { VideoAgentError } from '../errors';
import { analyzeSource, type AnalyzeProgress } from '../analyze/run-analysis';
import { openRuntime } from '../analyze/runtime';
import path from 'node:path';
import { ensureSampleClip } from '../media';
import { defaultStageNames, parseStages, stageModules } from '../stages';
import { formatSummary } from '../analyze/summary';
import { openResultPublisher } from '../analyze/redis';
import { resolveSource } from '../ingest/source';
import { analyzeLivekit } from './analyze-livekit';
import { KeyFrameCollector, writeReport } from '../report';
import { secretEnv } from '../config/secret-env';

interface AnalyzeCliOptions {
  sample?: boolean;
  stages?: string;
  fps?: string;
  streamId?: string;
  pipeline?: string;
  duration?: string;
  dataDir: string;
  progress: boolean;
  report: boolean;
  clips?: string;
  record?: boolean;
  recordSegment?: string;
}

/**
 * `video-agent analyze <file|rtsp://…|--sample>`: ingestion and every stage in one process, results in the
 * database (DATABASE_URL or embedded), inference on RunPod (RUNPOD_API_KEY) or the local emulator, results
 * also published to Redis Streams when REDIS_URL is set. Ends with a readable summary.
 */
export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Analyse a video file or RTSP stream end to end: detections, transcript, events, cost summary')
    .argument('[source]', 'a media file or an rtsp:// URL')
    .option('--sample', 'analyse the generated sample clip (moving content + speech)')
    .option('--stages <list>', `comma-separated stages: ${stageModules().map((m) => m.name).join(',')} (or none); default ${defaultStageNames().join(',')}, with --sample also emotion,diarization`)
    .option('--fps <n>', 'frames per second sampled for analysis', '5')
    .option('--stream-id <id>', 'stream id (default: a stable hash of the source)')
    .option('--pipeline <name|path>', 'pipeline template (default: file or rtsp)')
    .option('--duration <s>', 'live sources: stop after this many seconds')
    .option('--data-dir <dir>', 'folder for the embedded database and the sample clip', 'data')
    .option('--record', 'RTSP: also record the stream as rolling MP4 segments under <data-dir>/recordings/<stream>/ (clips can be cut after the fact)')
    .option('--record-segment <s>', 'with --record: segment length in seconds (2-600)', '10')
    .option('--clips <n>', 'cut the n best highlights into MP4 + poster clips (files; recorded RTSP) in the object store (S3_* or <data-dir>/clips); 0: none', '3')
    .option('--no-progress', 'do not print progress')
    .option('--no-report', 'do not write the HTML report (<data-dir>/reports/<stream>.html)')
    .action(async (input: string | undefined, o: AnalyzeCliOptions) => {
      if (o.sample && input) throw new VideoAgentError('E_BAD_ARGS', 'give either a source or --sample, not both');
      if (!o.sample && !input) throw new VideoAgentError('E_BAD_ARGS', 'missing source: give a file path, an rtsp:// or livekit:// URL, or --sample');
      let stages;
      try {
        // The sample shows every stage that has something to find in it (a face, two voices).
        stages = o.sample && o.stages === undefined ? new Set([...parseStages(undefined), 'emotion', 'diarization']) : parseStages(o.stages);
      } catch (err) {
        throw new VideoAgentError('E_BAD_ARGS', (err as Error).message);
      }
      const fps = positive('--fps', o.fps ?? '5');
      const duration = o.duration !== undefined ? positive('--duration', o.duration) : undefined;
      const clipCount = Number(o.clips ?? '3');
      if (!Number.isInteger(clipCount) || clipCount < 0 || clipCount > 100) throw new VideoAgentError('E_BAD_ARGS', `--clips: expected an integer 0..100, got "${o.clips}"`);
      // Resolved before the run: a bad S3_* variable is said now, not after an hour of analysis.
      const clipStore = clipCount > 0 ? (require('../object-store/from-env') as typeof import('../object-store/from-env')).objectStoreFromEnv(process.env, { dataDir: o.dataDir }) : null;
      // zod loads only when recording is asked for.
      const recording = o.record
        ? { ...(require('../recording/recording-config') as typeof import('../recording/recording-config')).parseRecordingConfig({ enabled: true, segmentS: Number(o.recordSegment ?? '10') }), dataDir: o.dataDir }
        : undefined;
      const source = o.sample ? await ensureSampleClip(path.resolve(o.dataDir, 'samples')) : (input as string);
      const resolved = /^livekit(\+ws)?:\/\//i.test(source.trim()) ? resolveSource(source) : null;

      const publisher = await openResultPublisher(secretEnv('REDIS_URL'));
      const rt = await openRuntime({ dataDir: o.dataDir }).catch(async (err) => { await publisher?.close(); throw err; });
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      // Key frames come from the tap during the run: frames are not stored as images.
      const keyFrames = o.report && !resolved ? new KeyFrameCollector() : null;
      try {
        if (resolved?.kind === 'livekit') {
          await analyzeLivekit(rt, { source: resolved, stages, fps, bus: publisher?.bus, durationS: duration, signal: abort.signal });
          return;
        }
        const summary = await analyzeSource(rt, {
          input: source, stages, fps, bus: publisher?.bus, streamId: o.streamId, pipeline: o.pipeline, maxDurationS: duration, signal: abort.signal, recording,
          highlightClips: clipStore ? { store: clipStore, top: clipCount } : undefined,
          onProgress: o.progress && process.stderr.isTTY !== undefined ? printProgress : undefined,
          tap: keyFrames?.tap,
        });
        if (o.progress) process.stderr.write('\n');
        let reportPath: string | undefined;
        if (keyFrames) {
          // The results are stored already: a report that cannot be written is said, not a failed run.
          reportPath = await writeReport({ pool: rt.store.pool, summary, keyFrames: await keyFrames.finish(), dir: path.resolve(o.dataDir, 'reports') })
            .catch((err: Error) => { process.stderr.write(`video-agent: report not written: ${err.message}\n`); return undefined; });
        }
        process.stdout.write(`${formatSummary(summary, { reportPath })}\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await rt.close();
        await publisher?.close();
      }
    });
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new VideoAgentError('E_BAD_ARGS', `${name} must be a positive number, got '${v}'`);
  return n;
}

function printProgress(p: AnalyzeProgress): void {
  const pos = (p.positionUs / 1e6).toFixed(1);
  const where = p.durationUs > 0 ? `${Math.min(100, (100 * p.positionUs) / p.durationUs).toFixed(0)}% (${pos}/${(p.durationUs / 1e6).toFixed(1)} s)` : `${pos} s live`;
  const d = p.stages.detection;
  const a = p.stages.audio;
  const v = p.stages.vlm;
  const line = `analyzing ${where} · ${p.frames} frames${d ? ` · ${d.detections} boxes` : ''}${a ? ` · ${a.segments} speech segments` : ''}${v ? ` · ${v.events} events` : ''}`;
  process.stderr.write(`\r${line.padEnd(100)}`);
}
