import { Registry } from 'prom-client';

/**
 * The process-wide Prometheus registry. Modules create their metrics against it
 * (`new Counter({ name, help, registers: [registry] })`), prefixed `video_agent_`.
 */
export const registry = new Registry();
