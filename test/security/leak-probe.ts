/**
 * Child process of credentials.test.ts: runs one scenario in-process with LOG_LEVEL=debug so every log line
 * reaches stderr, then prints to stdout everything a user or an operator could see of the outcome: the
 * thrown error (message, stack, every field, the whole cause chain), the error as the logger writes it,
 * the summary, and the Prometheus text of the process registry.
 *   node --import tsx leak-probe.ts '{"mode":"ingest"|"analyze","url":…,"pipeline"?,"connectTimeoutMs"?,"databaseUrl"?,"redisUrl"?,"maxDurationS"?}'
 */
import util from 'node:util';
import { analyzeSource, formatSummary, openResultPublisher, openRuntime } from '../../src/analyze';
import { openSource } from '../../src/ingest';
import { childLogger, logger } from '../../src/obs/logger';
import { registry } from '../../src/obs/metrics';

interface Scenario {
  mode: 'ingest' | 'analyze' | 'log';
  url: string;
  pipeline?: string;
  connectTimeoutMs?: number;
  databaseUrl?: string;
  redisUrl?: string;
  maxDurationS?: number;
  streamId?: string;
}

function dumpError(err: unknown): unknown {
  const chain: unknown[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 10; e = (e as { cause?: unknown } | null)?.cause, depth++) {
    chain.push(e instanceof Error ? { ...e, name: e.name, message: e.message, stack: e.stack } : e);
  }
  return { inspect: util.inspect(err, { depth: 10 }), chain, asString: String(err) };
}

/** Errors from code we do not control (a driver, a library) carry the URL wherever they like. */
function logEveryWay(url: string): void {
  const inner = Object.assign(new Error(`inner failure on ${url}`), { uri: url, details: { location: url } });
  const err = new Error(`open ${url} failed`, { cause: inner });
  const plainCause = new Error('wrapped', { cause: { message: `addon says ${url}`, element: url } });
  logger.error({ err }, 'err key');
  logger.error(err);
  logger.error(err, 'error first with a message');
  logger.warn({ error: plainCause, source: url, nested: { list: [url], deep: { u: url } } }, `message with ${url}`);
  logger.info('printf %s', url);
  logger.info({ cause: inner }, 'cause key');
  logger.error({ err: new AggregateError([inner], `aggregate ${url}`) }, 'aggregate');
  childLogger({ source: url }).info('child bindings');
  logger.child({ url }).error({ err }, 'nested child');
}

async function main(): Promise<void> {
  const sc = JSON.parse(process.argv[2]) as Scenario;
  const out: Record<string, unknown> = { scenario: sc.mode };
  try {
    if (sc.mode === 'log') {
      logEveryWay(sc.url);
    } else if (sc.mode === 'ingest') {
      const session = await openSource(sc.url, { connectTimeoutMs: sc.connectTimeoutMs ?? 2000, pipeline: sc.pipeline, maxReconnectAttempts: 0, logger });
      const stop = setTimeout(() => { void session.stop(); }, (sc.maxDurationS ?? 2) * 1000);
      try {
        out.stats = await session.run({ onFrame: () => undefined, onAudio: () => undefined });
      } finally {
        clearTimeout(stop);
      }
    } else {
      const env = { DATABASE_URL: sc.databaseUrl, RUNPOD_API_KEY: 'probe-key', RUNPOD_API_BASE: 'http://127.0.0.1:9/v2' };
      const publisher = await openResultPublisher(sc.redisUrl);
      const rt = await openRuntime({ env, preload: [] });
      try {
        const summary = await analyzeSource(rt, { input: sc.url, stages: new Set(), bus: publisher?.bus, streamId: sc.streamId, pipeline: sc.pipeline, maxDurationS: sc.maxDurationS ?? 2 });
        out.summary = summary;
        out.summaryText = formatSummary(summary);
      } finally {
        await rt.close();
        await publisher?.close();
      }
    }
  } catch (err) {
    out.error = dumpError(err);
    logger.error({ err }, 'scenario failed');
  }
  out.metrics = await registry.metrics();
  process.stdout.write(`${JSON.stringify(out)}\n`);
  logger.flush();
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`probe crashed: ${util.inspect(err)}\n`);
  process.exit(2);
});
