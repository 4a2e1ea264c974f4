import { childLogger } from '../obs/logger';
import { leaseName, streamKey, type Topic } from './keys';
import type { Bus, ConsumeOptions, Consumer, Handler, Lease } from './types';

export interface LeasedConsumeOptions {
  /** Stage name: the consumer group and the lease namespace (`lease:<stage>:<streamId>`). */
  stage: string;
  consumer: string;
  topic: Topic;
  handler: Handler;
  /** Lease TTL: how long a dead holder's streams wait before another worker takes them. */
  ttlMs?: number;
  /** How often to look for new or orphaned streams. */
  scanIntervalMs?: number;
  /** Called when this worker becomes the owner of a stream (load the handed-over state here). */
  onAcquire?: (streamId: string) => void | Promise<void>;
  /** Called when ownership ends (released, or lost: stop stateful work for that stream at once). */
  onRelease?: (streamId: string, reason: 'lost' | 'stopped') => void | Promise<void>;
  /** Most streams this worker owns at once (spreads streams across workers); default unlimited. */
  maxStreams?: number;
  /** Passed to each per-stream consumer (batch, blockMs…). */
  consume?: Partial<Pick<ConsumeOptions, 'batch' | 'blockMs' | 'maxDeliveries' | 'claimIntervalMs'>>;
}

export interface LeasedConsumer {
  /** Stream ids this worker owns right now. */
  owned(): string[];
  stop(): Promise<void>;
  /** Test/crash simulation: stop reading and renewing without releasing anything. */
  kill(): Promise<void>;
}

/**
 * For stateful per-stream stages (tracking, audio windows, the VLM window): each stream is consumed by
 * exactly one worker at a time. A worker reads `<topic>:<streamId>` only while it holds that stream's
 * lease; the others keep trying, so when the holder dies (stops renewing) one of them takes over after the
 * TTL and, because the lease guarantees exclusivity, immediately claims the dead holder's pending entries.
 */
export function consumeLeased(bus: Bus, opts: LeasedConsumeOptions): LeasedConsumer {
  const log = childLogger({ module: 'bus/leased', stage: opts.stage, consumer: opts.consumer });
  const ttlMs = opts.ttlMs ?? 10_000;
  const scanMs = opts.scanIntervalMs ?? Math.max(50, Math.floor(ttlMs / 3));
  const owned = new Map<string, { lease: Lease; consumer: Consumer }>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const drop = async (streamId: string, reason: 'lost' | 'stopped', release: boolean) => {
    const o = owned.get(streamId);
    if (!o) return;
    owned.delete(streamId);
    await o.consumer.stop();
    if (release) await o.lease.release().catch((err) => log.warn({ streamId, err: (err as Error).message }, 'lease release failed'));
    await opts.onRelease?.(streamId, reason);
  };

  const scan = async () => {
    for (const streamId of await bus.streams()) {
      if (stopped) return;
      if (owned.has(streamId)) continue;
      if (owned.size >= (opts.maxStreams ?? Infinity)) return;
      const lease = await bus.leases.tryAcquire(leaseName(opts.stage, streamId), ttlMs);
      if (!lease) continue;
      try {
        await opts.onAcquire?.(streamId);
      } catch (err) {
        log.error({ streamId, err: (err as Error).message }, 'onAcquire failed; giving the stream up');
        await lease.release().catch(() => undefined);
        continue;
      }
      const consumer = bus.consume({
        ...opts.consume,
        group: opts.stage,
        consumer: opts.consumer,
        keys: [streamKey(opts.topic, streamId)],
        handler: opts.handler,
        // We own the stream: any pending entry belongs to a previous (dead) owner, claim it at once.
        claimIdleMs: 0,
        // Acknowledgements are refused once a newer holder took the lease (src/bus/fenced.ts).
        fence: { lease: lease.name, token: lease.fence },
        claimIntervalMs: opts.consume?.claimIntervalMs ?? 60_000,
      });
      owned.set(streamId, { lease, consumer });
      lease.onLost(() => { void drop(streamId, 'lost', false); });
      log.info({ streamId }, 'stream acquired');
    }
  };

  const loop = () => {
    timer = setTimeout(async () => {
      try { await scan(); } catch (err) { log.warn({ err: (err as Error).message }, 'stream scan failed'); }
      if (!stopped) loop();
    }, scanMs);
  };
  void scan().catch((err) => log.warn({ err: (err as Error).message }, 'stream scan failed')).finally(() => { if (!stopped) loop(); });

  const halt = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
  return {
    owned: () => [...owned.keys()].sort(),
    async stop() {
      halt();
      await Promise.all([...owned.keys()].map((id) => drop(id, 'stopped', true)));
    },
    async kill() {
      halt();
      for (const [id, o] of owned) { o.lease.abandon(); owned.delete(id); o.consumer.abort(); }
    },
  };
}
