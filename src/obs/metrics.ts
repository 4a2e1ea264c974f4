import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process-wide Prometheus registry. Modules create their metrics against it
 * (`new Counter({ name, help, registers: [registry] })`), prefixed `video_agent_`.
 */
export const registry = new Registry();
let defaultsOn = false;

/** Process metrics (CPU, RSS, event-loop lag) only when a server exposes them. */
export function enableDefaultMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: registry, prefix: 'video_agent_' });
}
