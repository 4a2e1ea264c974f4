/**
 * The stage contract. A stage is a folder under src/stages/<name>/ whose index.ts exports one
 * StageModule, plus one line in src/stages/registry.ts. The module declares the topics it consumes and
 * produces (src/topics), the tables it writes, the endpoint it calls and the per-stream state it hands
 * over between workers; both runners (`analyze` in one process, `worker --stage X` over Redis) wire
 * the same module from the registry, so a stage never knows which one it runs under.
 */
import type { ZodType } from 'zod';
import type { GraphTopic, TopicInput, TopicMessages } from '../topics';
import type { ModelName } from '../runpod/contracts';
import type { InferenceClient } from '../runpod/inference';
import type { TableName } from '../store';
import type { RowWriters } from './common/rows';

/** Publishes on one of the stream's topics (the bus codec encodes it). */
export type Publish = <T extends GraphTopic>(topic: T, msg: TopicMessages[T]) => Promise<void>;

/** What every stage instance may use: the store's writers and the inference client. */
export interface StageServices {
  rows: RowWriters;
  inference: Pick<InferenceClient, 'detect' | 'transcribe' | 'describe' | 'emotions' | 'diarize'>;
}

export interface StageContext<State> {
  streamId: string;
  /** Live sources drop the oldest queued work (counted, recorded) instead of slowing ingest down. */
  live: boolean;
  services: StageServices;
  publish: Publish;
  /**
   * Topics this stage consumes that another stage of the same graph produces: a stage that fuses them
   * (the VLM) waits for their progress before acting on a span. Empty when the stage runs alone.
   */
  upstream: ReadonlySet<GraphTopic>;
  /** This stage's settings (the `stages.<name>` block of a config, or CLI tuning); validated by the stage. */
  options: Record<string, unknown>;
  /** State handed over by the previous holder of this stream (worker mode), already decoded. */
  state: State | null;
}

export interface StageInstance<State> {
  /** One input; resolves once accepted (a stage may queue it; files wait here when the stage is full). */
  handle(input: TopicInput): Promise<void>;
  /**
   * A whole bus read at once; resolves only once every input's outcome is durable (rows written or
   * skips recorded), so the runner may acknowledge them all. Stages without it get `handle` per entry.
   */
  handleBatch?(inputs: TopicInput[]): Promise<void>;
  /** End of stream: process what is queued, publish the last results. */
  finish(): Promise<void>;
  /** The state to hand over (saved before a batch is acknowledged). */
  state?(): State;
  stats(): object;
}

export interface StageModule<State = unknown> {
  readonly name: string;
  readonly description: string;
  readonly consumes: readonly GraphTopic[];
  readonly produces: readonly GraphTopic[];
  readonly tables: readonly TableName[];
  /** The RunPod endpoint the stage calls (names table: yolo, whisper, vlm, emotion, diarization). */
  readonly endpoint: ModelName | null;
  /** Runs when no stage list is given. */
  readonly default: boolean;
  /** Its settings' schema (defaults and bounds): lets a config or API body be checked before a stream starts. */
  readonly options?: ZodType;
  /** Per-stream state handed from one worker to the next through the state store. */
  readonly state?: { encode(s: State): string; decode(raw: string): State | null };
  create(ctx: StageContext<State>): StageInstance<State>;
}

/** Lets a registry hold modules of different state types. */
export type AnyStageModule = StageModule<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
