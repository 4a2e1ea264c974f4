/**
 * Where ingest meets the stage graph: each sampled frame gets its scene-change score (computed once here,
 * so every consumer of `frames`, in this process or on another machine, sees the same value), its one
 * frames row (this is the frames table's only writer), and is published on the in-process bus for the
 * local stages and, when stages run elsewhere, on the shared bus (Redis). Audio chunks likewise.
 */
import { childLogger } from '../obs/logger';
import { streamKey, type Bus } from '../bus';
import type { Store } from '../store';
import type { AudioChunk, Frame } from '../types';
import { CODECS, type FrameMsg, type GraphTopic } from '../topics';
import { SceneScorer } from './scene-scorer';

export interface MediaPublisherOptions {
  streamId: string;
  rows: Pick<Store, 'writeFrames'>;
  local: Bus;
  /** Topics a local stage consumes (others are not published in-process). */
  localTopics: ReadonlySet<GraphTopic>;
  shared?: Bus;
  /** Media topics some stage outside this process consumes. */
  sharedTopics?: ReadonlySet<GraphTopic>;
  /** Sees each frame as published (the server's snapshot and live feed); must not throw. */
  tap?: (topic: 'frames', msg: FrameMsg) => void;
  /** A frame is scored against the previous scored one at most this often (media time). */
  sceneEveryMs?: number;
}

const MAX_WRITES_IN_FLIGHT = 256;

export class MediaPublisher {
  private readonly log;
  private readonly scene: SceneScorer;
  private readonly writes = new Set<Promise<void>>();
  private readonly frameKey: string;
  private readonly audioKey: string;

  constructor(private readonly o: MediaPublisherOptions) {
    this.log = childLogger({ component: 'media-publisher', streamId: o.streamId });
    this.scene = new SceneScorer(o.sceneEveryMs ?? 500);
    this.frameKey = streamKey('frames', o.streamId);
    this.audioKey = streamKey('audio', o.streamId);
  }

  async frame(f: Frame): Promise<void> {
    const sceneScore = await this.score(f);
    // Nothing is acknowledged against a frames row: the write commits in the background (the writer batches
    // it with its neighbours); a bounded number may be in flight, and flush() waits for the rest.
    const write = this.o.rows.writeFrames([{ streamId: f.streamId, ptsUs: f.ptsUs, ts: f.ts, width: f.width, height: f.height, bytes: f.jpeg.length, sceneScore }]);
    this.writes.add(write);
    write.then(() => this.writes.delete(write), (err) => {
      this.writes.delete(write);
      this.log.error({ err: (err as Error).message, ptsUs: f.ptsUs }, 'frames row not written');
    });
    if (this.writes.size >= MAX_WRITES_IN_FLIGHT) await Promise.race(this.writes).catch(() => undefined);
    const msg: FrameMsg = { ...f, sceneScore };
    const fields = CODECS.frames.encode(msg);
    if (this.o.localTopics.has('frames')) await this.o.local.publish(this.frameKey, fields);
    if (this.o.shared && this.o.sharedTopics?.has('frames')) await this.o.shared.publish(this.frameKey, fields);
    this.o.tap?.('frames', msg);
  }

  /** Resolves once every frames row written so far is committed (or spooled). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }

  async audio(c: AudioChunk): Promise<void> {
    const fields = CODECS.audio.encode(c);
    if (this.o.localTopics.has('audio')) await this.o.local.publish(this.audioKey, fields);
    if (this.o.shared && this.o.sharedTopics?.has('audio')) await this.o.shared.publish(this.audioKey, fields);
  }

  private async score(f: Frame): Promise<number | null> {
    try {
      return await this.scene.score(f.ptsUs, f.jpeg);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, ptsUs: f.ptsUs }, 'frame could not be decoded for scene scoring');
      return null;
    }
  }
}
