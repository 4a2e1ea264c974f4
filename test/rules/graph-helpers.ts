/** The rules stage alone in a StreamGraph on an in-process bus, and the dwell scene the tests feed it. */
import { MemoryBus } from '../../src/bus';
import { StreamGraph } from '../../src/graph/stream-graph';
import type { StageServices } from '../../src/stages';
import type { Store } from '../../src/store';
import type { AlertMsg, DetectionsMsg, GraphTopic, TopicMessages } from '../../src/topics';
import { dets, walk } from './helpers';

export const ZONE: [number, number][] = [[0.4, 0.4], [0.6, 0.4], [0.6, 0.8], [0.4, 0.8]];

/** Track 1 stands in the zone 0..10 s; track 2 walks through it; track 3 stays 0..8 s elsewhere, then in the zone 8..15 s. */
export function scene(streamId: string): DetectionsMsg[] {
  const pass = walk([0.2, 0.6], [0.8, 0.6], 0, 12, 0.5);
  return Array.from({ length: 31 }, (_, i) => {
    const s = i * 0.5;
    const p = pass.find((x) => Math.abs(x.s - s) < 1e-9);
    return dets(streamId, s, [
      ...(s <= 10 ? [{ id: 1, at: [0.5, 0.6] as [number, number] }] : []),
      ...(p ? [{ id: 2, at: p.at }] : []),
      { id: 3, at: s < 8 ? [0.9, 0.2] : [0.45, 0.7] },
    ]);
  });
}

export async function runGraph(store: Store, streamId: string, stageOptions: Record<string, unknown>, feed: (g: StreamGraph) => Promise<void>) {
  const published: { at: number; msg: AlertMsg }[] = [];
  const services: StageServices = { rows: store, inference: {} as StageServices['inference'] };
  const graph = new StreamGraph({
    bus: new MemoryBus(), streamId, stages: ['rules'], live: false, services, options: { rules: stageOptions }, consumer: 'test',
    tap: <T extends GraphTopic>(topic: T, msg: TopicMessages[T]) => { if (topic === 'alerts') published.push({ at: Date.now(), msg: msg as AlertMsg }); },
  });
  await graph.start();
  await feed(graph);
  await graph.finish();
  return { published, stats: graph.stats().rules as { fired: number; duplicates: number; redelivered: number } };
}

/** The rows detection would have written for these messages (frames + detections), flushed. */
export async function storeScene(store: Store, msgs: DetectionsMsg[]): Promise<void> {
  await store.writeFrames(msgs.map((m) => ({ streamId: m.streamId, ptsUs: m.ptsUs, ts: m.ts, width: m.width, height: m.height })));
  await store.writeDetections(msgs.flatMap((m) => m.detections.map((d, i) => ({ streamId: m.streamId, ptsUs: m.ptsUs, ts: m.ts, detIdx: i, classId: d.classId, className: d.className, confidence: d.confidence, bbox: d.bbox, trackId: d.trackId }))));
  await store.flush();
}
