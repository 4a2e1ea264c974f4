import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/open-store';
import type { AudioSegmentRow, DetectionRow, EventRow, MemoryChunkRow } from '../../src/store/rows';
import { wallClockMs } from '../../src/store/time';
import { requirePostgres } from '../helpers/services';
import { BASE_MS, dropSchema, uniqueSchema } from '../store/helpers';

export { BASE_MS };

/** A deterministic stream: 30 frames × 3 detections, speech with silence and an empty segment, 4 events. */
export function resultRows(streamId: string, startedAt = BASE_MS) {
  const at = (ptsUs: number) => ({ streamId, ptsUs, ts: wallClockMs(startedAt, ptsUs) });
  const detections: DetectionRow[] = Array.from({ length: 30 }, (_, f) => f * 100_000 + 7).flatMap((p) => [
    { ...at(p), detIdx: 0, classId: 0, className: 'person', confidence: 0.9, bbox: [1.5, 2, 30.25, 40] as DetectionRow['bbox'], trackId: 1 },
    { ...at(p), detIdx: 1, classId: 1, className: 'bicycle', confidence: 0.7, bbox: [5, 6, 7, 8] as DetectionRow['bbox'], trackId: 2 },
    { ...at(p), detIdx: 2, classId: 0, className: 'person', confidence: 0.4, bbox: [9, 10, 11, 12] as DetectionRow['bbox'], trackId: null },
  ]);
  const seg = (startUs: number, endUs: number, text: string, extra: Partial<AudioSegmentRow> = {}): AudioSegmentRow =>
    ({ ...at(startUs), startUs, endUs, text, ...extra });
  const audio: AudioSegmentRow[] = [
    seg(0, 1_000_000, 'hello and welcome', { confidence: 0.8, speakerId: 'S1', prosody: { f0Hz: 180.5 } }),
    seg(1_000_000, 2_000_000, '', { isSilence: true }),
    seg(2_000_000, 3_250_000, 'the quick brown fox\njumps "over" <the> lazy & dog --> far', { confidence: 0.6 }),
    seg(3_250_000, 4_000_000, '   ', { confidence: 0.1 }),
    seg(4_000_000, 5_500_000, 'a zebra, crossing', { speakerId: 'S2' }),
    seg(3_600_000_000, 3_601_234_000, 'an hour later'),
  ];
  const ev = (startUs: number, endUs: number, description: string, tags: string[], clipWorthyScore: number): EventRow =>
    ({ ...at(startUs), startUs, endUs, description, tags, clipWorthyScore, model: 'rule-based' });
  const events: EventRow[] = [
    ev(0, 2_000_000, 'a person walks in', ['person'], 0.3),
    ev(1_000_000, 3_000_000, 'a cyclist rides a red bicycle past the giraffe statue', ['person', 'bike, red', 'quote"d'], 0.9),
    ev(1_000_000, 4_000_000, 'the cyclist stops', ['bike, red'], 0.6),
    ev(5_000_000, 6_000_000, 'nothing happens', [], 0.1),
  ];
  const memory: MemoryChunkRow[] = [
    { ...at(0), startUs: 0, endUs: 5_500_000, kind: 'transcript', text: audio.map((a) => a.text).join(' ') },
  ];
  return { detections, audio, events, memory };
}

export type ResultRows = ReturnType<typeof resultRows>;

/** Writes the rows through the store's real writers and waits for them to land. */
export async function seed(store: Store, streamId: string, rows = resultRows(streamId)): Promise<ResultRows> {
  await store.migrateDone;
  await store.upsertStream({ streamId, source: 'rtsp://user:secret@cam.local/live', startedAt: BASE_MS, metadata: { site: 'lab' } });
  await store.writeDetections(rows.detections);
  await store.writeAudioSegments(rows.audio);
  await store.writeEvents(rows.events);
  await store.writeMemoryChunks(rows.memory);
  await store.flush();
  return rows;
}

export interface OpenedStore { store: Store; url?: string; schema?: string; dataDir: string; close(): Promise<void> }

/** A store on the shared PostgreSQL, in a schema of its own (dropped by close). */
export async function postgresStore(): Promise<OpenedStore> {
  const url = await requirePostgres();
  const schema = uniqueSchema('t_results');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'results-pg-'));
  const store = await openStore({ databaseUrl: url, schema, dataDir, writer: { lingerMs: 5 } });
  return {
    store, url, schema, dataDir,
    async close() { await store.close(); await dropSchema(schema); fs.rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/** A store on the embedded database (PGlite) in a temp data dir, as a new user gets it. */
export async function pgliteStore(): Promise<OpenedStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'results-pglite-'));
  // openStore falls back to DATABASE_URL when none is given: hide it for the embedded one.
  const saved = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  let store: Store;
  try {
    store = await openStore({ dataDir, writer: { lingerMs: 5 } });
  } finally {
    if (saved !== undefined) process.env.DATABASE_URL = saved;
  }
  return { store, dataDir, async close() { await store.close(); fs.rmSync(dataDir, { recursive: true, force: true }); } };
}

/** A URL for the same database whose connections use `schema` (what an export child process gets as DATABASE_URL). */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}
