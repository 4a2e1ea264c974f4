import type { FaultsConfig } from './config';

/**
 * Rolls the configured faults for one endpoint. A trigger with `count` fires for that many eligible events
 * first (deterministic bursts for tests), then with probability `rate` from a seeded PRNG.
 */
export class FaultInjector {
  private config: FaultsConfig;
  private counts = new Map<string, number>();
  private rand: () => number;

  constructor(config: FaultsConfig) {
    this.config = config;
    this.rand = mulberry32(config.seed ?? 0x5eed);
    this.reset(config);
  }

  reset(config: FaultsConfig): void {
    this.config = config;
    this.rand = mulberry32(config.seed ?? 0x5eed);
    this.counts.clear();
    for (const [k, v] of Object.entries(config)) {
      if (v && typeof v === 'object' && 'count' in v && typeof v.count === 'number') this.counts.set(k, v.count);
    }
  }

  get current(): FaultsConfig {
    return this.config;
  }

  /** Whether the trigger named `kind` fires for this event (consumes one `count`). */
  fires(kind: 'http5xx' | 'http429' | 'failed' | 'timedOut' | 'stuckInQueue' | 'noOutput' | 'coldStart'): boolean {
    const trig = this.config[kind];
    if (!trig) return false;
    const left = this.counts.get(kind) ?? 0;
    if (left > 0) {
      this.counts.set(kind, left - 1);
      return true;
    }
    return trig.rate !== undefined && trig.rate > 0 && this.rand() < trig.rate;
  }

  latencyMs(): number {
    const l = this.config.latencyMs;
    if (!l || l.max <= 0) return 0;
    if (l.distribution === 'exponential') {
      // Mean at the midpoint, clipped to [min, max]: a long tail like real network jitter.
      const mean = (l.min + l.max) / 2;
      return Math.min(l.max, Math.max(l.min, -Math.log(1 - this.rand()) * mean));
    }
    return l.min + this.rand() * (l.max - l.min);
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
