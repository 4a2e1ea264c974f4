import { randomUUID } from 'node:crypto';
import { VideoAgentError } from '../errors';
import type { RowsByTable, TableName, TimeKey } from './rows';

/** SQL types the writers know how to encode (both for COPY text and for unnest arrays). */
export type ColumnType = 'text' | 'bigint' | 'integer' | 'real' | 'double precision' | 'boolean' | 'timestamptz' | 'jsonb' | 'real[]' | 'text[]';

export interface ColumnSpec<T> {
  name: string;
  type: ColumnType;
  get(row: T): unknown;
}

export interface TableSpec<T> {
  table: TableName;
  columns: ColumnSpec<T>[];
  /** Throws a VideoAgentError naming the problem; called before a row is accepted. */
  validate(row: T): void;
}

function bad(table: string, msg: string): never {
  throw new VideoAgentError('E_BAD_ROW', `${table}: ${msg}`);
}

function checkTimeKey(table: string, r: TimeKey): void {
  if (typeof r.streamId !== 'string' || r.streamId.length === 0) bad(table, 'streamId must be a non-empty string');
  if (!Number.isSafeInteger(r.ptsUs) || r.ptsUs < 0) bad(table, `ptsUs must be a non-negative integer (µs), got ${r.ptsUs}`);
  if (!Number.isFinite(r.ts)) bad(table, `ts must be finite epoch ms, got ${r.ts}`);
}

function checkSpan(table: string, r: TimeKey & { startUs: number; endUs: number }): void {
  checkTimeKey(table, r);
  if (!Number.isSafeInteger(r.startUs) || !Number.isSafeInteger(r.endUs)) bad(table, 'startUs/endUs must be integers (µs)');
  if (r.endUs < r.startUs) bad(table, `endUs ${r.endUs} < startUs ${r.startUs}`);
  if (r.ptsUs !== r.startUs) bad(table, `ptsUs (${r.ptsUs}) must equal startUs (${r.startUs})`);
}

function checkBbox(table: string, b: unknown): void {
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => Number.isFinite(v))) bad(table, 'bbox must be 4 finite numbers [x1,y1,x2,y2]');
}

function checkFinite(table: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(table, `${name} must be a finite number, got ${String(v)}`);
}

const key = <T extends TimeKey>(): ColumnSpec<T>[] => [
  { name: 'stream_id', type: 'text', get: (r) => r.streamId },
  { name: 'ts', type: 'timestamptz', get: (r) => r.ts },
  { name: 'pts_us', type: 'bigint', get: (r) => r.ptsUs },
];
const span = <T extends { startUs: number; endUs: number }>(): ColumnSpec<T>[] => [
  { name: 'start_us', type: 'bigint', get: (r) => r.startUs },
  { name: 'end_us', type: 'bigint', get: (r) => r.endUs },
];

export const TABLES: { [K in TableName]: TableSpec<RowsByTable[K]> } = {
  frames: {
    table: 'frames',
    columns: [
      ...key(),
      { name: 'width', type: 'integer', get: (r) => r.width },
      { name: 'height', type: 'integer', get: (r) => r.height },
      { name: 'bytes', type: 'integer', get: (r) => r.bytes ?? null },
      { name: 'scene_score', type: 'real', get: (r) => r.sceneScore ?? null },
    ],
    validate(r) {
      checkTimeKey('frames', r);
      if (!Number.isInteger(r.width) || !Number.isInteger(r.height)) bad('frames', 'width/height must be integers');
    },
  },
  detections: {
    table: 'detections',
    columns: [
      ...key(),
      { name: 'det_idx', type: 'integer', get: (r) => r.detIdx },
      { name: 'class_id', type: 'integer', get: (r) => r.classId },
      { name: 'class_name', type: 'text', get: (r) => r.className },
      { name: 'confidence', type: 'real', get: (r) => r.confidence },
      { name: 'bbox', type: 'real[]', get: (r) => r.bbox },
      { name: 'track_id', type: 'integer', get: (r) => r.trackId ?? null },
    ],
    validate(r) {
      checkTimeKey('detections', r);
      if (!Number.isInteger(r.detIdx) || r.detIdx < 0) bad('detections', 'detIdx must be a non-negative integer');
      if (!Number.isInteger(r.classId)) bad('detections', 'classId must be an integer');
      checkFinite('detections', 'confidence', r.confidence);
      checkBbox('detections', r.bbox);
    },
  },
  emotions: {
    table: 'emotions',
    columns: [
      ...key(),
      { name: 'face_idx', type: 'integer', get: (r) => r.faceIdx },
      { name: 'emotion', type: 'text', get: (r) => r.emotion },
      { name: 'confidence', type: 'real', get: (r) => r.confidence },
      { name: 'scores', type: 'jsonb', get: (r) => r.scores ?? {} },
      { name: 'bbox', type: 'real[]', get: (r) => r.bbox ?? null },
      { name: 'track_id', type: 'integer', get: (r) => r.trackId ?? null },
    ],
    validate(r) {
      checkTimeKey('emotions', r);
      if (!Number.isInteger(r.faceIdx) || r.faceIdx < 0) bad('emotions', 'faceIdx must be a non-negative integer');
      checkFinite('emotions', 'confidence', r.confidence);
      if (r.bbox != null) checkBbox('emotions', r.bbox);
    },
  },
  audio_segments: {
    table: 'audio_segments',
    columns: [
      ...key(),
      ...span(),
      { name: 'text', type: 'text', get: (r) => r.text },
      { name: 'confidence', type: 'real', get: (r) => r.confidence ?? null },
      { name: 'speaker_id', type: 'text', get: (r) => r.speakerId ?? null },
      { name: 'prosody', type: 'jsonb', get: (r) => r.prosody ?? null },
      { name: 'is_silence', type: 'boolean', get: (r) => r.isSilence ?? false },
    ],
    validate(r) {
      checkSpan('audio_segments', r);
      if (typeof r.text !== 'string') bad('audio_segments', 'text must be a string');
    },
  },
  speaker_turns: {
    table: 'speaker_turns',
    columns: [
      ...key(),
      ...span(),
      { name: 'speaker_id', type: 'text', get: (r) => r.speakerId },
      { name: 'local_label', type: 'text', get: (r) => r.localLabel ?? null },
      { name: 'similarity', type: 'real', get: (r) => r.similarity ?? null },
      { name: 'model', type: 'text', get: (r) => r.model ?? null },
    ],
    validate(r) {
      checkSpan('speaker_turns', r);
      if (typeof r.speakerId !== 'string' || r.speakerId.length === 0) bad('speaker_turns', 'speakerId must be a non-empty string');
      if (r.similarity != null) checkFinite('speaker_turns', 'similarity', r.similarity);
    },
  },
  events: {
    table: 'events',
    columns: [
      ...key(),
      ...span(),
      { name: 'description', type: 'text', get: (r) => r.description },
      { name: 'tags', type: 'text[]', get: (r) => r.tags ?? [] },
      { name: 'clip_worthy_score', type: 'real', get: (r) => r.clipWorthyScore },
      { name: 'model', type: 'text', get: (r) => r.model },
    ],
    validate(r) {
      checkSpan('events', r);
      checkFinite('events', 'clipWorthyScore', r.clipWorthyScore);
      if (r.clipWorthyScore < 0 || r.clipWorthyScore > 1) bad('events', `clipWorthyScore must be in 0..1, got ${r.clipWorthyScore}`);
      if (r.tags && !r.tags.every((t) => typeof t === 'string')) bad('events', 'tags must be strings');
    },
  },
  highlights: {
    table: 'highlights',
    columns: [
      ...key(),
      ...span(),
      { name: 'score', type: 'real', get: (r) => r.score },
      { name: 'peak_us', type: 'bigint', get: (r) => r.peakUs ?? null },
      { name: 'contributions', type: 'jsonb', get: (r) => r.contributions ?? {} },
      { name: 'title', type: 'text', get: (r) => r.title ?? '' },
      { name: 'clip_uri', type: 'text', get: (r) => r.clipUri ?? null },
    ],
    validate(r) {
      checkSpan('highlights', r);
      checkFinite('highlights', 'score', r.score);
      if (r.peakUs != null && (!Number.isSafeInteger(r.peakUs) || r.peakUs < r.startUs || r.peakUs > r.endUs)) bad('highlights', `peakUs must be an integer within [startUs, endUs], got ${r.peakUs}`);
      if (r.contributions && !Object.values(r.contributions).every((v) => Number.isFinite(v))) bad('highlights', 'contributions must be finite numbers');
    },
  },
  memory_chunks: {
    table: 'memory_chunks',
    columns: [
      ...key(),
      ...span(),
      { name: 'kind', type: 'text', get: (r) => r.kind },
      { name: 'text', type: 'text', get: (r) => r.text },
    ],
    validate(r) {
      checkSpan('memory_chunks', r);
      if (!r.kind) bad('memory_chunks', 'kind is required');
      if (typeof r.text !== 'string') bad('memory_chunks', 'text must be a string');
    },
  },
  skips: {
    table: 'skips',
    columns: [
      ...key(),
      { name: 'stage', type: 'text', get: (r) => r.stage },
      { name: 'reason', type: 'text', get: (r) => r.reason },
      { name: 'end_us', type: 'bigint', get: (r) => r.endUs ?? null },
      { name: 'detail', type: 'text', get: (r) => r.detail ?? null },
    ],
    validate(r) {
      checkTimeKey('skips', r);
      if (!r.stage || !r.reason) bad('skips', 'stage and reason are required');
      if (r.endUs != null && (!Number.isSafeInteger(r.endUs) || r.endUs < r.ptsUs)) bad('skips', 'endUs must be an integer >= ptsUs');
    },
  },
  endpoint_calls: {
    table: 'endpoint_calls',
    columns: [
      { name: 'stream_id', type: 'text', get: (r) => r.streamId },
      { name: 'ts', type: 'timestamptz', get: (r) => r.ts },
      { name: 'pts_us', type: 'bigint', get: (r) => r.ptsUs ?? null },
      { name: 'call_id', type: 'text', get: (r) => r.callId },  // filled by validate() when absent
      { name: 'model', type: 'text', get: (r) => r.model },
      { name: 'endpoint', type: 'text', get: (r) => r.endpoint },
      { name: 'ms', type: 'real', get: (r) => r.ms },
      { name: 'gpu_seconds', type: 'real', get: (r) => r.gpuSeconds ?? 0 },
      { name: 'cost_usd', type: 'double precision', get: (r) => r.costUsd ?? 0 },
      { name: 'ok', type: 'boolean', get: (r) => r.ok },
      { name: 'error', type: 'text', get: (r) => r.error ?? null },
    ],
    validate(r) {
      if (!r.streamId) bad('endpoint_calls', 'streamId is required');
      if (!Number.isFinite(r.ts)) bad('endpoint_calls', 'ts must be finite epoch ms');
      // Without a job id, a call tied to media is keyed by what it analysed (a re-run of the same media
      // does not add rows); one tied to nothing is its own call.
      if (!r.callId) r.callId = r.ptsUs != null ? `${r.endpoint}:${r.model}:${r.streamId}:${r.ptsUs}` : randomUUID();
      checkFinite('endpoint_calls', 'ms', r.ms);
    },
  },
};

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];
