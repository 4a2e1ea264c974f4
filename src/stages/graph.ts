/**
 * The stages selected for one stream, ordered so that producers come before their consumers (the order
 * in which a finished stream is drained), with the topics each stage gets from another stage of the same
 * graph. A cycle is a configuration error naming the stages in it.
 */
import { VideoAgentError } from '../errors';
import type { GraphTopic } from '../topics';
import { stageModule } from './registry';
import type { AnyStageModule } from './stage';

export interface GraphNode {
  module: AnyStageModule;
  /** Consumed topics produced by another stage of this graph. */
  upstream: Set<GraphTopic>;
}

export function planGraph(names: Iterable<string>): GraphNode[] {
  const modules = [...new Set(names)].map(stageModule);
  const producers = new Map<GraphTopic, AnyStageModule[]>();
  for (const m of modules) for (const t of m.produces) producers.set(t, [...(producers.get(t) ?? []), m]);
  const nodes = new Map(modules.map((m) => [m.name, {
    module: m,
    upstream: new Set(m.consumes.filter((t) => (producers.get(t) ?? []).some((p) => p !== m))),
  }]));
  const ordered: GraphNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: GraphNode, path: string[]) => {
    const s = state.get(n.module.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new VideoAgentError('E_BAD_STAGE', `stages form a cycle: ${[...path, n.module.name].join(' → ')}`, { kind: 'config' });
    state.set(n.module.name, 'visiting');
    for (const t of n.upstream) for (const p of producers.get(t) ?? []) if (p !== n.module) visit(nodes.get(p.name) as GraphNode, [...path, n.module.name]);
    state.set(n.module.name, 'done');
    ordered.push(n);
  };
  for (const n of nodes.values()) visit(n, []);
  return ordered;
}

/** Topics some stage of the graph consumes. */
export function consumedTopics(nodes: GraphNode[]): Set<GraphTopic> {
  return new Set(nodes.flatMap((n) => n.module.consumes));
}
