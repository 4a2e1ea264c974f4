/**
 * `video-agent highlights <stream> [--top 10] [--export]`: a stream's best moments, with why each was
 * chosen, straight from the database; `--export` cuts the ones without a clip from the stream's media
 * (its file, or its recording under <data-dir>/recordings) into the object store (S3_* or <data-dir>/clips).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { VideoAgentError } from '../errors';
import { listHighlights, streamExists, type HighlightItem } from '../results';
import { databaseError, openForReading, unknownStream } from './export';

export interface HighlightsFlags {
  top: string;
  export?: boolean;
  json?: boolean;
  dataDir: string;
  databaseUrlFile?: string;
}

export interface HighlightsResult {
  highlights: HighlightItem[];
  exported: number;
  failed: { startUs: number; error: string }[];
}

export async function runHighlights(streamId: string, o: HighlightsFlags): Promise<HighlightsResult> {
  const top = Number(o.top);
  if (!Number.isInteger(top) || top < 1 || top > 1000) throw new VideoAgentError('E_BAD_ARGS', `--top: expected an integer 1..1000, got "${o.top}"`, { kind: 'bad_input' });
  const store = await openForReading(o);
  try {
    const pool = store.pool;
    const row = await pool.query('SELECT source, started_at, metadata FROM streams WHERE stream_id = $1', [streamId]).catch((err) => { throw databaseError(err); });
    if (!row.rows.length || !(await streamExists(pool, streamId))) throw await unknownStream(pool, streamId);
    let exported = 0;
    let failed: HighlightsResult['failed'] = [];
    if (o.export) {
      const { source, started_at: startedAt, metadata } = row.rows[0] as { source: string; started_at: Date; metadata: { kind?: string } | null };
      const { exportHighlightClips } = require('../clips/highlight-clips') as typeof import('../clips/highlight-clips');
      const { recordingSegments } = require('../recording/recording-segments') as typeof import('../recording/recording-segments');
      const { objectStoreFromEnv } = require('../object-store/from-env') as typeof import('../object-store/from-env');
      let clipSource: import('../clips/clip-source').ClipSource | null = null;
      if ((metadata?.kind ?? 'file') === 'file' && fs.existsSync(source)) clipSource = { kind: 'file', path: source };
      else {
        const segments = await recordingSegments(streamId, 0, Number.MAX_SAFE_INTEGER, { dataDir: o.dataDir });
        if (segments.length) clipSource = { kind: 'segments', segments };
      }
      if (!clipSource) {
        throw new VideoAgentError('E_NO_MEDIA', `stream "${streamId}" has no media to cut clips from here: its file is gone or it is live with no recording under ${o.dataDir}/recordings (record it with --record)`, { kind: 'not_found' });
      }
      const r = await exportHighlightClips(pool, objectStoreFromEnv(process.env, { dataDir: o.dataDir }), { streamId, source: clipSource, streamStartMs: startedAt.getTime(), top });
      exported = r.clips.length;
      failed = r.failed;
    }
    const page = await listHighlights(pool, streamId, { limit: top, top }).catch((err) => { throw databaseError(err); });
    return { highlights: page.items, exported, failed };
  } finally {
    await store.close();
  }
}

export function formatHighlights(streamId: string, r: HighlightsResult): string {
  const lines = [`highlights of ${streamId} (best ${r.highlights.length}, in media order):`];
  if (!r.highlights.length) lines.push('  (none)');
  for (const h of r.highlights) {
    const why = Object.entries(h.contributions).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
    lines.push(`  ${h.score.toFixed(2)}  ${h.startS.toFixed(1)}s–${h.endS.toFixed(1)}s${h.peakS !== null ? ` (peak ${h.peakS.toFixed(1)}s)` : ''}  ${h.title}`);
    lines.push(`        why: ${why || '-'}`);
    if (h.clipUri) lines.push(`        clip: ${h.clipUri}`);
  }
  if (r.exported) lines.push(`exported ${r.exported} clip${r.exported === 1 ? '' : 's'}`);
  for (const f of r.failed) lines.push(`clip at ${(f.startUs / 1e6).toFixed(1)}s not exported: ${f.error}`);
  return lines.join('\n');
}

export function registerHighlights(program: Command): void {
  program
    .command('highlights')
    .description('A stream\'s best moments and why each was chosen; --export cuts their clips (reads $DATABASE_URL, else the embedded database)')
    .argument('<stream>', 'stream id')
    .option('--top <n>', 'how many (the best by score)', '10')
    .option('--export', 'cut the listed highlights without a clip into MP4 + poster in the object store (S3_* or <data-dir>/clips)')
    .option('--json', 'print JSON instead of text')
    .option('--data-dir <dir>', 'data folder of the embedded database, recordings and clips', 'data')
    .option('--database-url-file <path>', 'read the PostgreSQL URL from this file (default: $DATABASE_URL, else the embedded database)')
    .action(async (streamId: string, o: HighlightsFlags) => {
      const r = await runHighlights(streamId, o);
      process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatHighlights(streamId, r)}\n`);
      if (r.failed.length) process.exitCode = 1;
    });
}
