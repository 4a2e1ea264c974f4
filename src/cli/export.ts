import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Pool } from 'pg';
import { z } from 'zod';
import { VideoAgentError, isVideoAgentError } from '../errors';
import { scrubUserinfo } from '../obs/redact';
import {
  CSV_COLUMNS, VTT_HEADER, csvHeader, csvRecord, detectionsQuery, eventsQuery, isCue, listDetections, listEvents,
  listStreams, listTranscript, srtCue, streamExists, transcriptQuery, vttCue, type Page, type TranscriptItem,
} from '../results';
import { openStore, type Store } from '../store/open-store';
import { isConnectionError } from '../store/pg-errors';
import { databaseUrlFrom } from './migrate';

const WHAT = ['transcript', 'detections', 'events'] as const;
const FORMATS = ['json', 'csv', 'srt', 'vtt'] as const;
type What = (typeof WHAT)[number];
type Format = (typeof FORMATS)[number];

export interface ExportFlags {
  what: string;
  format: string;
  from?: string;
  to?: string;
  class?: string;
  track?: string;
  minScore?: string;
  tag?: string;
  includeSilence?: boolean;
  out?: string;
  dataDir: string;
  databaseUrlFile?: string;
}

/** Each list behind one signature: the flags are parsed by the same zod schema the HTTP API uses. */
type Lister = (pool: Pool, streamId: string, cursor: string | undefined) => Promise<Page<object>>;

const FLAG_OF: Record<string, string> = { minScore: '--min-score', includeSilence: '--include-silence', class: '--class' };
const PAGE = 1000;

function parseFlags<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const key = String(i.path[0] ?? '');
  throw new VideoAgentError('E_BAD_ARGS', `${FLAG_OF[key] ?? `--${key}`}: ${i.message}`, { kind: 'bad_input' });
}

function lister(what: What, o: ExportFlags): Lister {
  const range = { from: o.from, to: o.to, limit: PAGE };
  switch (what) {
    case 'detections': {
      const q = parseFlags(detectionsQuery, { ...range, class: o.class, track: o.track, minScore: o.minScore });
      return (pool, id, cursor) => listDetections(pool, id, { ...q, cursor });
    }
    case 'transcript': {
      const q = parseFlags(transcriptQuery, { ...range, includeSilence: o.includeSilence ?? false });
      return (pool, id, cursor) => listTranscript(pool, id, { ...q, cursor });
    }
    case 'events': {
      const q = parseFlags(eventsQuery, { ...range, minScore: o.minScore, tag: o.tag });
      return (pool, id, cursor) => listEvents(pool, id, { ...q, cursor });
    }
  }
}

/** Turns items into output text page by page, keeping what spans pages (JSON commas, cue numbers). */
function formatter(what: What, format: Format): { head: string; page(items: object[]): string; tail(): string } {
  let n = 0;
  switch (format) {
    case 'json':
      return {
        head: '[',
        page: (items) => items.map((it) => `${n++ ? ',' : ''}\n${JSON.stringify(it)}`).join(''),
        tail: () => (n ? '\n]\n' : ']\n'),
      };
    case 'csv': {
      const cols = CSV_COLUMNS[what];
      return { head: csvHeader(cols), page: (items) => items.map((it) => csvRecord(it, cols)).join(''), tail: () => '' };
    }
    case 'srt':
    case 'vtt': {
      const cue = format === 'srt' ? srtCue : vttCue;
      return {
        head: format === 'vtt' ? VTT_HEADER : '',
        page: (items) => (items as TranscriptItem[]).filter(isCue).map((it) => cue(it, ++n)).join(''),
        tail: () => '',
      };
    }
  }
}

function write(stream: Writable, text: string): Promise<void> {
  if (!text) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    stream.once('error', onError);
    const flushed = stream.write(text, (err) => {
      stream.off('error', onError);
      if (err) reject(err); else if (flushed) resolve();
    });
    if (!flushed) stream.once('drain', () => resolve());
  });
}

/**
 * The embedded database is PGlite: one process owns its data directory (a pid lock), and its socket serves a
 * single connection, which that process's pool holds. Reading through that socket would take the connection
 * from the running analysis (its writes would fail over to the spool), so export refuses instead.
 */
export async function openForReading(o: Pick<ExportFlags, 'dataDir' | 'databaseUrlFile'>): Promise<Store> {
  const databaseUrl = databaseUrlFrom({ databaseUrlFile: o.databaseUrlFile, dataDir: o.dataDir });
  const dataDir = path.resolve(o.dataDir);
  if (!databaseUrl && !fs.existsSync(path.join(dataDir, 'pglite'))) {
    throw new VideoAgentError('E_NO_DATABASE', `no embedded database in ${dataDir} (nothing analysed there yet): pass --data-dir, or set DATABASE_URL`, { kind: 'not_found' });
  }
  try {
    return await openStore({ databaseUrl, dataDir: o.dataDir, migrate: false, poolMax: 2 });
  } catch (err) {
    if (isVideoAgentError(err) && err.code === 'E_DB_LOCKED') {
      throw new VideoAgentError('E_DB_LOCKED', `${err.message}. The embedded database (PGlite) serves one process at a time, so export cannot read it while \`video-agent serve\` or \`analyze\` runs on it: stop that process, read the results through the server's HTTP API, or use PostgreSQL (DATABASE_URL)`, { kind: 'config', cause: err });
    }
    throw err;
  }
}

/** Database failures as one clear line, URL credentials never included. */
export function databaseError(err: unknown): unknown {
  if (isVideoAgentError(err)) return err;
  const msg = scrubUserinfo((err as Error)?.message ?? String(err));
  if (isConnectionError(err)) return new VideoAgentError('E_DB_UNREACHABLE', `cannot reach the database: ${msg}`, { kind: 'unreachable' });
  const code = (err as { code?: unknown })?.code;
  if (code === '42P01') {
    return new VideoAgentError('E_NO_RESULTS_SCHEMA', 'the database has no video-agent tables yet: run `video-agent migrate`, or analyse something first', { kind: 'not_found' });
  }
  // Any other server-reported error (SQLSTATE: auth, permissions, …): one line, not a stack.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return new VideoAgentError('E_DB_ERROR', `database error ${code}: ${msg}`, { kind: 'internal' });
  return err;
}

export async function unknownStream(pool: Pool, streamId: string): Promise<VideoAgentError> {
  const known = (await listStreams(pool)).map((s) => s.streamId);
  const list = known.length === 0 ? 'the database has no streams yet'
    : `streams here: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ` (+${known.length - 10} more)` : ''}`;
  return new VideoAgentError('E_UNKNOWN_STREAM', `unknown stream "${streamId}"; ${list}`, { kind: 'not_found' });
}

export interface ExportResult { items: number; out: string | null }

/** Every matching row of one stream, all pages, written to `--out` (atomically: a temp file, renamed) or `sink`. */
export async function runExport(streamId: string, o: ExportFlags, sink: Writable = process.stdout): Promise<ExportResult> {
  const { what, format } = parseFlags(z.object({ what: z.enum(WHAT), format: z.enum(FORMATS) }), { what: o.what, format: o.format });
  if ((format === 'srt' || format === 'vtt') && what !== 'transcript') {
    throw new VideoAgentError('E_BAD_ARGS', `--format ${format} is for --what transcript only (use json or csv for ${what})`, { kind: 'bad_input' });
  }
  const list = lister(what, o);
  const fmt = formatter(what, format);
  const store = await openForReading(o);
  let tmp: string | undefined;
  try {
    const pool = store.pool;
    try {
      if (!(await streamExists(pool, streamId))) throw await unknownStream(pool, streamId);
    } catch (err) {
      throw databaseError(err);
    }
    let target = sink;
    if (o.out) {
      tmp = `${o.out}.${process.pid}.partial`;
      target = fs.createWriteStream(tmp, { flags: 'wx' });
    }
    let items = 0;
    await write(target, fmt.head);
    let cursor: string | undefined;
    do {
      const page = await list(pool, streamId, cursor).catch((err) => { throw databaseError(err); });
      items += page.items.length;
      await write(target, fmt.page(page.items));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    await write(target, fmt.tail());
    if (o.out && tmp) {
      await new Promise<void>((resolve, reject) => (target as fs.WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
      fs.renameSync(tmp, o.out);
      tmp = undefined;
    }
    return { items, out: o.out ?? null };
  } finally {
    if (tmp) fs.rmSync(tmp, { force: true });
    await store.close();
  }
}

/** `video-agent export <stream> --what … --format …`: results straight from the database, no server needed. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Write a stream\'s transcript, detections or events as JSON, CSV, SRT or WebVTT (reads $DATABASE_URL, else the embedded database)')
    .argument('<stream>', 'stream id')
    .requiredOption('--what <kind>', WHAT.join('|'))
    .option('--format <fmt>', `${FORMATS.join('|')} (srt and vtt: transcript only)`, 'json')
    .option('--from <t>', 'start: media seconds (12.5) or an ISO-8601 time (2026-12-01T10:00:00Z)')
    .option('--to <t>', 'end (inclusive): media seconds or an ISO-8601 time')
    .option('--class <name>', 'detections: only this class')
    .option('--track <id>', 'detections: only this track')
    .option('--min-score <s>', 'detections: minimum confidence; events: minimum clip-worthy score (0..1)')
    .option('--tag <tag>', 'events: only those with this tag')
    .option('--include-silence', 'transcript (json/csv): include silent segments')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--data-dir <dir>', 'data folder of the embedded database', 'data')
    .option('--database-url-file <path>', 'read the PostgreSQL URL from this file (default: $DATABASE_URL, else the embedded database)')
    .action(async (streamId: string, o: ExportFlags) => {
      try {
        const r = await runExport(streamId, o);
        if (r.out) process.stderr.write(`exported ${r.items} ${o.what} rows of ${streamId} to ${r.out}\n`);
      } catch (err) {
        // The reader went away (`export … | head`): not an error of ours.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw err;
      }
    });
}
