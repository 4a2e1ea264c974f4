/**
 * The rules stage of one stream: every input it consumes goes through the stream's rule set (config rules
 * plus API rules, reloaded every `refreshS`), and each alert fired is stored (the alert row first: at least
 * once starts there), published on `alerts`, then queued for its webhooks. Deliveries never hold up the
 * input path; an alert already stored (a redelivered bus entry, a restart over the same media) is neither
 * published nor delivered again. On start, the alerts of this stream that a webhook never accepted are
 * queued again (the redelivery sweep).
 */
import type { DeliveryPolicy } from '../../alerts';
import { displayTarget } from '../../alerts';
import { childLogger } from '../../obs/logger';
import { AlertDispatcher } from '../../rules/alert-dispatcher';
import type { AlertStore } from '../../rules/alert-store';
import { RuleEngine } from '../../rules/rule-engine';
import type { Rule } from '../../rules/rule-schema';
import type { AlertMsg, GraphTopic, TopicInput } from '../../topics';
import type { Publish } from '../stage';

export interface RulesStageOptions {
  streamId: string;
  rules: Rule[];
  store?: AlertStore;
  publish: Publish;
  delivery: DeliveryPolicy;
  queueCapacity: number;
  concurrency: number;
  /** Seconds between reloads of the API rules (0: load once). */
  refreshS: number;
  drainTimeoutS: number;
  /** Alerts older than this are not redelivered by the sweep. */
  redeliverWithinS: number;
  /** Topics another stage of the graph produces (a rule on any other topic cannot fire; logged). */
  upstream: ReadonlySet<GraphTopic>;
  env?: Record<string, string | undefined>;
}

export interface RulesStats {
  rules: number;
  inputs: number;
  fired: number;
  duplicates: number;
  redelivered: number;
  deliveries: { queued: number; delivered: number; failed: number; dropped: number; inFlight: number };
}

const TICK_MS = 1000;
const START_WAIT_MS = 2000;

export class RulesStage {
  private readonly log;
  private readonly engine: RuleEngine;
  private readonly dispatcher: AlertDispatcher;
  private readonly ready: Promise<void>;
  private refreshTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private finished = false;
  private sweeping: Promise<void> = Promise.resolve();
  private readonly s = { inputs: 0, fired: 0, duplicates: 0, redelivered: 0 };

  constructor(private readonly o: RulesStageOptions) {
    this.log = childLogger({ stage: 'rules', streamId: o.streamId });
    this.engine = new RuleEngine(o.streamId, o.rules);
    this.dispatcher = new AlertDispatcher({
      log: o.store?.deliveryLog ?? { recordAttempt: async () => undefined }, policy: o.delivery, capacity: o.queueCapacity,
      concurrency: o.concurrency, env: o.env, streamId: o.streamId,
    });
    this.ready = this.start();
  }

  async push(input: TopicInput): Promise<void> {
    await this.ready;
    this.s.inputs++;
    for (const a of this.engine.observe(input)) await this.emit(a);
  }

  async pushBatch(inputs: TopicInput[]): Promise<void> {
    for (const i of inputs) await this.push(i);
  }

  /** Stops the timers and waits (bounded) for the deliveries in flight. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.ready;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    await this.sweeping;
    await this.dispatcher.close(this.o.drainTimeoutS * 1000);
  }

  /** Resolves once every queued delivery has had its last attempt (tests). */
  deliveriesIdle(): Promise<void> { return this.dispatcher.idle(); }

  getStats(): RulesStats {
    return { rules: this.engine.rules.length, ...this.s, deliveries: { ...this.dispatcher.stats } };
  }

  private async start(): Promise<void> {
    // A database that is down must not hold the stream up: the config rules apply at once, API rules when it answers.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.reload(), new Promise<void>((r) => { timer = setTimeout(r, START_WAIT_MS); })]);
    clearTimeout(timer);
    if (this.o.store && this.o.refreshS > 0) {
      this.refreshTimer = setInterval(() => { void this.reload(); }, this.o.refreshS * 1000);
      this.refreshTimer.unref();
    }
    // stream_down needs the clock: a stream that is down sends nothing that could fire it.
    this.tickTimer = setInterval(() => {
      for (const a of this.engine.tick(Date.now())) this.emit(a).catch((err) => this.log.error({ err }, 'alert not recorded'));
    }, TICK_MS);
    this.tickTimer.unref();
    this.sweeping = this.sweep().catch((err) => this.log.error({ err: (err as Error).message }, 'redelivery sweep failed'));
  }

  /** Config rules plus the API rules of this stream (a config rule wins over an API rule with its id). */
  private async reload(): Promise<void> {
    let api: Rule[] = [];
    if (this.o.store) {
      try {
        api = await this.o.store.apiRules(this.o.streamId);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'API rules not loaded; keeping the current rule set');
        return;
      }
    }
    const ids = new Set(this.o.rules.map((r) => r.id));
    const rules = [...this.o.rules, ...api.filter((r) => !ids.has(r.id))];
    const before = this.engine.rules.map((r) => r.id).join(',');
    this.engine.setRules(rules);
    if (rules.map((r) => r.id).join(',') !== before) {
      const produced = new Set<GraphTopic>([...this.o.upstream, 'state']);
      const blind = rules.filter((r) => r.kind !== 'stream_down' && ![...new RuleEngine(this.o.streamId, [r]).topics].some((t) => produced.has(t)));
      this.log.info({ rules: rules.map((r) => r.id), blind: blind.map((r) => r.id) }, blind.length ? 'rules loaded (some read topics no stage of this graph produces)' : 'rules loaded');
    }
  }

  private async emit(a: AlertMsg): Promise<void> {
    if (this.o.store && !(await this.o.store.writeAlert(a))) { this.s.duplicates++; return; }
    this.s.fired++;
    await this.o.publish('alerts', a);
    const hooks = this.engine.rule(a.rule)?.actions.webhooks ?? [];
    if (hooks.length) this.dispatcher.enqueue(a, hooks);
  }

  /** Alerts this stream fired that a target of their rule never accepted: queued again, attempts numbered on. */
  private async sweep(): Promise<void> {
    const store = this.o.store;
    if (!store) return;
    const since = Date.now() - this.o.redeliverWithinS * 1000;
    for (const rule of this.engine.rules) {
      for (const hook of rule.actions.webhooks) {
        const target = displayTarget(hook.url);
        for (const { alert, attempts } of await store.undelivered(this.o.streamId, rule.id, target, since, this.o.queueCapacity)) {
          if (this.dispatcher.isPending(alert.alertId, target)) continue;
          if (this.dispatcher.enqueue(alert, [hook], attempts + 1)) this.s.redelivered++;
        }
      }
    }
  }
}
