import { Counter, Gauge } from 'prom-client';
import { registry } from '../obs/metrics';

export const storeRows = new Counter({
  name: 'video_agent_store_rows_total',
  help: 'Rows handled by the batched writers, by table and outcome (inserted, duplicate, spooled, replayed, rejected)',
  labelNames: ['table', 'outcome'] as const,
  registers: [registry],
});

export const storeQueued = new Gauge({
  name: 'video_agent_store_queued_rows',
  help: 'Rows accepted by a batched writer and not yet flushed',
  labelNames: ['table'] as const,
  registers: [registry],
});
