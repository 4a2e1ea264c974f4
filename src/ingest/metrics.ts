import type { Registry } from 'prom-client';
import type { SessionStats } from './session';

/**
 * Prometheus view of ingestion, read from session stats at scrape time (nothing is done per frame).
 * Counters are exposed as gauges because sessions come and go at runtime.
 */
export function registerIngestMetrics(stats: () => SessionStats[], registry?: Registry): void {
  // prom-client loads with the server that scrapes it, not with every `video-agent ingest`.
  const { Gauge } = require('prom-client') as typeof import('prom-client');
  registry ??= (require('../obs/metrics') as typeof import('../obs/metrics')).registry;
  const labelNames = ['stream_id'] as const;
  const gauge = (name: string, help: string, pick: (s: SessionStats) => number) =>
    new Gauge({
      name: `video_agent_ingest_${name}`,
      help,
      labelNames,
      registers: [registry!],
      collect() {
        this.reset();
        for (const s of stats()) this.set({ stream_id: s.streamId }, pick(s));
      },
    });
  gauge('frames', 'Frames delivered by the session', (s) => s.frames);
  gauge('audio_seconds', 'Seconds of audio delivered by the session', (s) => s.audioSeconds);
  gauge('dropped', 'Samples dropped because the consumer was slow (live sources)', (s) => s.dropped);
  gauge('queue_dropped', 'Buffers discarded by leaky queues upstream (live sources)', (s) => s.queueDropped);
  gauge('reconnects', 'Reconnects after a dropped live source', (s) => s.reconnects);
  gauge('lag_ms', 'Wall-clock lag of the latest frame (live sources)', (s) => s.lagMs);
  new Gauge({
    name: 'video_agent_ingest_state',
    help: 'Session state (1 for the current state)',
    labelNames: ['stream_id', 'state'],
    registers: [registry!],
    collect() {
      this.reset();
      for (const s of stats()) this.set({ stream_id: s.streamId, state: s.state }, 1);
    },
  });
}
