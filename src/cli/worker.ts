import os from 'node:os';
import type { Command } from 'commander';
import { VideoAgentError } from '../errors';
import { childLogger } from '../obs/logger';
import { openRedis } from '../analyze/redis';
import { openRuntime } from '../analyze/runtime';
import { StageWorker } from '../analyze/stage-worker';
import { stageModules } from '../stages';
import { secretEnv } from '../config/secret-env';

/**
 * `video-agent worker --stage detection|audio|vlm`: joins the stage's Redis consumer group and processes the
 * streams that `ingest` / `analyze --stages none` publish from other machines. SIGINT/SIGTERM: stop
 * reading, finish and acknowledge the entry in flight, drain the stage, release the stream leases.
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Process published streams for one stage as a member of its Redis consumer group')
    .requiredOption('--stage <stage>', `stage to run: ${stageModules().map((m) => m.name).join(', ')}`)
    .option('--consumer <name>', 'consumer name, unique per worker (default: host-pid)')
    .option('--max-streams <n>', 'most streams this worker holds at once')
    .action(async (o: { stage: string; consumer?: string; maxStreams?: string }) => {
      const names = stageModules().map((m) => m.name);
      if (!names.includes(o.stage)) throw new VideoAgentError('E_BAD_ARGS', `unknown stage '${o.stage}' (choose from ${names.join(', ')})`);
      const redisUrl = secretEnv('REDIS_URL');
      if (!redisUrl) throw new VideoAgentError('E_NO_REDIS', 'video-agent worker needs Redis: set REDIS_URL or REDIS_URL_FILE (e.g. redis://127.0.0.1:6379)');
      const maxStreams = o.maxStreams !== undefined ? Number(o.maxStreams) : undefined;
      if (maxStreams !== undefined && !(Number.isInteger(maxStreams) && maxStreams > 0)) throw new VideoAgentError('E_BAD_ARGS', '--max-streams must be a positive integer');
      const consumer = o.consumer ?? `${os.hostname()}-${process.pid}`;
      const log = childLogger({ component: 'worker', stage: o.stage, consumer });

      const redis = await openRedis(redisUrl);
      const rt = await openRuntime({ preload: [stageModules().find((m) => m.name === o.stage)?.endpoint].filter((e): e is NonNullable<typeof e> => !!e) }).catch(async (err) => { await redis.close(); throw err; });
      const worker = new StageWorker({ stage: o.stage, bus: redis.bus, state: redis.state, services: rt.services, consumer, maxStreams });
      worker.start();
      process.stderr.write(`worker ${consumer}: stage ${o.stage}, waiting for streams (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      log.info('stopping: finishing in-flight work and releasing leases');
      try {
        await worker.stop();
        const s = worker.stats();
        process.stderr.write(`worker ${consumer}: ${s.handled} entries handled, ${s.claimed} claimed from dead workers, ${s.failed} failed\n`);
      } finally {
        await rt.store.flush().catch(() => undefined);
        await rt.close();
        await redis.close();
      }
    });
}
