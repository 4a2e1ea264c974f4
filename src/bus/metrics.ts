import { Counter } from 'prom-client';
import { registry } from '../obs/metrics';

export const busMessages = new Counter({
  name: 'video_agent_bus_messages_total',
  help: 'Bus deliveries by consumer group and outcome (handled, failed, dropped, published, overflow_dropped)',
  labelNames: ['group', 'outcome'] as const,
  registers: [registry],
});

/** Entries a MAXLEN ~ trim removed before the group read them (src/bus/trim-check.ts). */
export const busTrimmed = new Counter({
  name: 'video_agent_bus_trimmed_unread_total',
  help: 'Stream entries trimmed (XADD MAXLEN ~) before the consumer group read them, by group',
  labelNames: ['group'] as const,
  registers: [registry],
});

/** Entries given up on after repeated handler failures, alone (poison entries). */
export const busPoison = new Counter({
  name: 'video_agent_bus_poison_total',
  help: 'Bus entries whose handling failed every attempt alone and were recorded and acknowledged, by group',
  labelNames: ['group'] as const,
  registers: [registry],
});
