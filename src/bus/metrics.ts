import { Counter } from 'prom-client';
import { registry } from '../obs/metrics';

export const busMessages = new Counter({
  name: 'video_agent_bus_messages_total',
  help: 'Bus deliveries by consumer group and outcome (handled, failed, dropped, published, overflow_dropped)',
  labelNames: ['group', 'outcome'] as const,
  registers: [registry],
});
