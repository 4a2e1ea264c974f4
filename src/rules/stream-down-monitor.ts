/**
 * stream_down rules in the server: a stream that is failed (its stages torn down until the restart) or
 * reconnecting sends nothing a stage could evaluate, so the supervisor's `state` messages are watched here,
 * with a clock. Per stream: its stream_down rules (config and API, reloaded every `refreshMs`), one
 * evaluator each; an alert is stored first, then published and queued for its webhooks, exactly as the
 * rules stage does (same ids, so a rules stage on Redis firing the same outage stores it once).
 */
import { DEFAULT_DELIVERY } from '../alerts';
import { childLogger } from '../obs/logger';
import type { AlertMsg, StateMsg } from '../topics';
import { AlertDispatcher } from './alert-dispatcher';
import type { AlertStore } from './alert-store';
import { RuleEngine } from './rule-engine';
import { ruleSchema, type Rule } from './rule-schema';

const log = childLogger({ component: 'stream-down-monitor' });

export interface StreamDownMonitorOptions {
  store: AlertStore;
  /** The rules a stream was planned with (its rules stage's options), unvalidated. */
  configRules(streamId: string): unknown[];
  /** Where a fired alert goes besides its row and webhooks (the live feed, Redis). */
  publish(alert: AlertMsg): void;
  refreshMs?: number;
  tickMs?: number;
  env?: Record<string, string | undefined>;
}

interface Watched { engine: RuleEngine; loadedAt: number; chain: Promise<void> }

export class StreamDownMonitor {
  private readonly streams = new Map<string, Watched>();
  private readonly dispatcher: AlertDispatcher;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: StreamDownMonitorOptions) {
    this.dispatcher = new AlertDispatcher({ log: o.store.deliveryLog, policy: DEFAULT_DELIVERY, capacity: 1000, concurrency: 4, env: o.env });
    this.timer = setInterval(() => this.tick(Date.now()), o.tickMs ?? 1000);
    this.timer.unref();
  }

  /** From the supervisor's tap: never throws, never waits. */
  observe(m: StateMsg): void {
    let w = this.streams.get(m.streamId);
    if (!w) this.streams.set(m.streamId, w = { engine: new RuleEngine(m.streamId), loadedAt: 0, chain: Promise.resolve() });
    const watched = w;
    watched.chain = watched.chain.then(async () => {
      if (Date.now() - watched.loadedAt > (this.o.refreshMs ?? 10_000)) await this.load(m.streamId, watched);
      for (const a of watched.engine.observe({ topic: 'state', msg: m })) await this.emit(watched, a);
    }).catch((err) => log.error({ streamId: m.streamId, err: (err as Error).message }, 'stream state not evaluated'));
  }

  /** Stops the clock and waits (bounded) for deliveries in flight. */
  async close(timeoutMs = 5000): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.streams.values()].map((w) => w.chain));
    await this.dispatcher.close(timeoutMs);
  }

  private tick(now: number): void {
    for (const w of this.streams.values()) {
      w.chain = w.chain.then(async () => { for (const a of w.engine.tick(now)) await this.emit(w, a); })
        .catch((err) => log.error({ err: (err as Error).message }, 'stream_down alert not recorded'));
    }
  }

  private async load(streamId: string, w: Watched): Promise<void> {
    const config: Rule[] = [];
    for (const raw of this.o.configRules(streamId)) { const p = ruleSchema.safeParse(raw); if (p.success) config.push(p.data); }
    let api: Rule[] = [];
    try { api = await this.o.store.apiRules(streamId); } catch (err) { log.warn({ streamId, err: (err as Error).message }, 'API rules not loaded'); }
    const ids = new Set(config.map((r) => r.id));
    w.engine.setRules([...config, ...api.filter((r) => !ids.has(r.id))].filter((r) => r.kind === 'stream_down'));
    w.loadedAt = Date.now();
  }

  private async emit(w: Watched, a: AlertMsg): Promise<void> {
    if (!(await this.o.store.writeAlert(a))) return;
    this.o.publish(a);
    const hooks = w.engine.rule(a.rule)?.actions.webhooks ?? [];
    if (hooks.length) this.dispatcher.enqueue(a, hooks);
  }
}
