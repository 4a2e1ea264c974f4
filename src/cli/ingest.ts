import type { Command } from 'commander';
import { VideoAgentError } from '../errors';
import { createProgress, formatSummary, openSource, type Session, type SessionStats } from '../ingest';
import { ensureSampleClip } from '../media';

interface IngestFlags {
  sample?: boolean;
  pipeline?: string;
  fps?: string;
  width?: string;
  height?: string;
  quality?: string;
  streamId?: string;
  connectTimeout?: string;
  param: string[];
  maxSeconds?: string;
  json?: boolean;
  progress: boolean;
}

function positiveSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new VideoAgentError('E_BAD_ARGUMENT', `${flag} must be a positive number of seconds, got '${value}'`);
  return n;
}

/** `--param k=v` (repeatable) for parameters of the user's own templates. */
function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new VideoAgentError('E_BAD_ARGUMENT', `--param expects name=value, got '${pair}'`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('Ingest a media file or an RTSP stream: frames (JPEG) and audio (16 kHz mono), with progress and a summary')
    .argument('[source]', 'media file path or rtsp:// URL')
    .option('--sample', 'generate (once, into ./data/samples) a short clip with moving content and speech, and ingest it')
    .option('--pipeline <name|path>', 'pipeline template: a name in ./pipelines or the built-ins (file, rtsp, appsrc), or a .yaml path')
    .option('--fps <n>', 'frames per second to sample')
    .option('--width <px>', 'frame width')
    .option('--height <px>', 'frame height')
    .option('--quality <1-100>', 'JPEG quality')
    .option('--param <name=value>', 'any template parameter (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--stream-id <id>', 'stream id (default: a stable hash of the source)')
    .option('--connect-timeout <s>', 'RTSP: give up on the first connection after this many seconds', '10')
    .option('--max-seconds <s>', 'stop after this many seconds of wall time (live streams run until Ctrl-C otherwise)')
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'no progress output')
    .action(async (sourceArg: string | undefined, flags: IngestFlags) => {
      const stats = await ingestCommand(sourceArg, flags);
      process.stdout.write(flags.json ? `${JSON.stringify(stats)}\n` : `${formatSummary(stats)}\n`);
      if (stats.state === 'failed') throw new VideoAgentError('E_INGEST', stats.error ?? 'ingestion failed');
    });
}

async function ingestCommand(sourceArg: string | undefined, flags: IngestFlags): Promise<SessionStats> {
  if (flags.sample && sourceArg) throw new VideoAgentError('E_BAD_ARGUMENT', 'give either a source or --sample, not both');
  if (!flags.sample && !sourceArg) throw new VideoAgentError('E_BAD_ARGUMENT', 'nothing to ingest: give a file path, an rtsp:// URL or --sample');
  const connectTimeoutS = positiveSeconds('--connect-timeout', flags.connectTimeout);
  const maxSeconds = positiveSeconds('--max-seconds', flags.maxSeconds);
  const params: Record<string, unknown> = {
    ...parseParams(flags.param),
    ...(flags.fps !== undefined ? { fps: flags.fps } : {}),
    ...(flags.width !== undefined ? { width: flags.width } : {}),
    ...(flags.height !== undefined ? { height: flags.height } : {}),
    ...(flags.quality !== undefined ? { quality: flags.quality } : {}),
  };
  const source = flags.sample ? await ensureSampleClip() : sourceArg!;
  const session = await openSource(source, {
    streamId: flags.streamId,
    pipeline: flags.pipeline,
    params,
    connectTimeoutMs: connectTimeoutS === undefined ? undefined : connectTimeoutS * 1000,
  });
  return runWithProgress(session, { progress: flags.progress && !flags.json, maxSeconds });
}

/** Runs a session to its end (file) or until Ctrl-C / --max-seconds (stream), reporting progress. */
export async function runWithProgress(session: Session, opts: { progress: boolean; maxSeconds?: number }): Promise<SessionStats> {
  const progress = opts.progress ? createProgress({ live: session.live }) : null;
  const tick = progress ? setInterval(() => progress.update(session.stats()), 250) : null;
  const stop = () => void session.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const limit = opts.maxSeconds ? setTimeout(stop, opts.maxSeconds * 1000) : null;
  try {
    return await session.run();
  } catch (err) {
    if (err instanceof VideoAgentError) throw err;
    throw new VideoAgentError('E_INGEST', `ingesting ${session.source.display} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    if (tick) clearInterval(tick);
    if (limit) clearTimeout(limit);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (progress) {
      progress.update(session.stats());
      progress.stop();
    }
  }
}
