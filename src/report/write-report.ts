/**
 * Gathers one stream's results through the read layer (src/results: every page, each list capped so a
 * long stream still makes a report of bounded size), renders the page and writes it atomically as
 * `<dir>/<streamId>.html` (`analyze` passes `<dataDir>/reports`).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';
import { VideoAgentError } from '../errors';
import type { AnalyzeSummary } from '../analyze/run-analysis';
import { gpuSecondsLabel } from '../analyze/summary';
import { listDetections, listEvents, listHighlights, listTranscript, type Page } from '../results';
import type { KeyFrame } from './key-frames';
import { renderReport, type DetectionSeries, type ReportData, type ReportEvent, type ReportHighlight, type ReportSegment } from './render-report';

export interface ReportLimits {
  /** Detections read for the per-class chart (default 20 000). */
  detections?: number;
  /** Transcript segments (default 5 000), events (default 2 000), highlights (default 500). */
  transcript?: number;
  events?: number;
  highlights?: number;
  /** Bins of the per-class chart at most (default 300: one per second for 5 minutes, wider bins beyond). */
  bins?: number;
}

export interface WriteReportOptions {
  pool: Pool;
  summary: AnalyzeSummary;
  keyFrames: KeyFrame[];
  /** Folder the report goes into (created when missing). */
  dir: string;
  limits?: ReportLimits;
  /** Report time (tests). */
  now?: Date;
}

const PAGE = 1000;

/** Writes the report and returns its path. */
export async function writeReport(o: WriteReportOptions): Promise<string> {
  const data = await gatherReport(o);
  const file = path.join(o.dir, `${o.summary.streamId}.html`);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.mkdir(o.dir, { recursive: true });
    await fs.writeFile(tmp, renderReport(data));
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new VideoAgentError('E_REPORT_WRITE', `cannot write the report to ${file}: ${(err as Error).message}`, { kind: 'internal', cause: err });
  }
  return file;
}

/** The report's data from the database and the summary (exported for tests and other renderers). */
export async function gatherReport(o: Omit<WriteReportOptions, 'dir'>): Promise<ReportData> {
  const s = o.summary;
  const lim = { detections: 20_000, transcript: 5_000, events: 2_000, highlights: 500, bins: 300, ...o.limits };
  const id = s.streamId;
  const [transcript, events, highlights] = await Promise.all([
    collect(lim.transcript, (cursor) => listTranscript(o.pool, id, { cursor, limit: PAGE, includeSilence: false }),
      (t): ReportSegment[] => (t.text.trim() ? [{ startS: t.startS, endS: t.endS, text: t.text, speakerId: t.speakerId }] : [])),
    collect(lim.events, (cursor) => listEvents(o.pool, id, { cursor, limit: PAGE }),
      (ev): ReportEvent[] => [{ startS: ev.startS, endS: ev.endS, description: ev.description, tags: ev.tags, clipWorthyScore: ev.clipWorthyScore }]),
    collect(lim.highlights, (cursor) => listHighlights(o.pool, id, { cursor, limit: PAGE }),
      (h): ReportHighlight[] => [{ startS: h.startS, endS: h.endS, score: h.score, title: h.title, clipUri: h.clipUri }]),
  ]);
  const durationS = Math.max(s.ingest.positionUs, s.ingest.durationUs) / 1e6;
  const detections = await detectionSeries(o.pool, id, durationS, lim.detections, lim.bins);
  return {
    streamId: id, source: s.source, live: s.live, generatedAt: (o.now ?? new Date()).toISOString(),
    durationS, frames: s.ingest.frames, audioSeconds: s.ingest.audioSeconds, wallS: s.wallMs / 1000,
    inference: inferenceLabel(s),
    rows: s.rows as unknown as Record<string, number>,
    keyFrames: o.keyFrames,
    events: events.items, transcript: transcript.items, transcriptTruncated: transcript.truncated,
    detections, highlights: highlights.items, calls: s.calls,
    cost: { gpuSeconds: s.cost.total.gpuSeconds, usd: s.cost.total.usd, gpuLabel: gpuSecondsLabel(s.cost), note: s.cost.note },
    skips: s.skips,
  };
}

/** Local CPU models are what booked modelled cost (also when the emulator is reached over HTTP, as a RunPod client). */
function inferenceLabel(s: AnalyzeSummary): string {
  if (s.localInference || s.cost.basis === 'modelled') return 'local emulator, CPU models';
  return s.cost.basis === 'mixed' ? 'RunPod and local CPU models' : 'RunPod';
}

/** Walks `nextCursor` until the end or `cap` items. */
async function collect<T, I>(cap: number, page: (cursor: string | undefined) => Promise<Page<I>>, map: (item: I) => T[]): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const p = await page(cursor);
    for (const it of p.items) {
      if (items.length >= cap) return { items, truncated: true };
      items.push(...map(it));
    }
    if (!p.nextCursor) return { items, truncated: false };
    cursor = p.nextCursor;
  }
}

/**
 * Per class and per bin, the most boxes of the class in one frame. Rows come in (pts, det_idx) order, so a
 * frame's boxes are contiguous: counted per frame, then folded into the frame's bin.
 */
async function detectionSeries(pool: Pool, streamId: string, durationS: number, cap: number, maxBins: number): Promise<DetectionSeries> {
  // One-second bins until there would be too many; whole seconds keep the axis readable.
  const binS = Math.max(1, Math.ceil(Math.max(durationS, 1) / maxBins));
  const peak = new Map<string, Map<number, number>>();
  const total = new Map<string, number>();
  let framePts: number | null = null;
  let frame = new Map<string, number>();
  let maxBin = Math.max(0, Math.ceil(durationS / binS) - 1);
  const fold = () => {
    if (framePts === null) return;
    const bin = Math.floor(framePts / 1e6 / binS);
    maxBin = Math.max(maxBin, bin);
    for (const [c, n] of frame) {
      let m = peak.get(c);
      if (!m) peak.set(c, (m = new Map()));
      m.set(bin, Math.max(m.get(bin) ?? 0, n));
    }
    frame = new Map();
  };
  let read = 0;
  let truncated = false;
  let cursor: string | undefined;
  outer: for (;;) {
    const p = await listDetections(pool, streamId, { cursor, limit: PAGE });
    for (const d of p.items) {
      if (read >= cap) { truncated = true; break outer; }
      read++;
      if (d.ptsUs !== framePts) { fold(); framePts = d.ptsUs; }
      frame.set(d.className, (frame.get(d.className) ?? 0) + 1);
      total.set(d.className, (total.get(d.className) ?? 0) + 1);
    }
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  // A frame cut by the cap may be partial: drop it rather than under-count its bin.
  if (!truncated) fold();
  const bins = Math.min(maxBins, maxBin + 1);
  const classes = [...total].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, n]) => {
    const m = peak.get(name) ?? new Map<number, number>();
    return { name, total: n, peak: Array.from({ length: bins }, (_, i) => m.get(i) ?? 0) };
  });
  return { binS, bins, classes, rowsRead: read, truncated };
}
