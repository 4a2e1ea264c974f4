/**
 * Dry-run: a rule evaluated over a stream's stored rows (detections with the frame sizes, audio segments,
 * events, emotions, highlights) as the rules stage would have seen them live, in media-time order. It
 * writes, publishes and delivers nothing. The evaluators see the same values either way, so the alerts
 * (and their ids) are the ones the stage fired over the same data; a range that starts mid-stream starts
 * with fresh tracks and cooldowns. Stream states are not stored, so stream_down rules cannot be dry-run.
 */
import type { Pool } from 'pg';
import { SqlParams, timeRangeConditions, type TimeRange } from '../results';
import type { AlertMsg, DetectionsMsg, EmotionsMsg, GraphTopic, TopicInput } from '../topics';
import { RuleEngine } from './rule-engine';
import type { Rule } from './rule-schema';

export interface DryRunRequest extends TimeRange {
  rule: Rule;
  streamId: string;
  /** Rows read per table at most (the range is cut there and `truncated` set). */
  maxRows?: number;
}

export interface DryRunResult {
  alerts: AlertMsg[];
  /** Messages rebuilt per topic. */
  scanned: Partial<Record<GraphTopic, number>>;
  truncated: boolean;
  note: string | null;
}

const DEFAULT_MAX_ROWS = 200_000;
const ms = (d: unknown) => (d instanceof Date ? d.getTime() : Date.parse(String(d)));

type Loader = (pool: Pool, streamId: string, range: TimeRange, limit: number) => Promise<{ inputs: TopicInput[]; rows: number }>;

function where(streamId: string, range: TimeRange, span: 'point' | 'segment', alias = '') {
  const p = new SqlParams();
  const conds = [`${alias}stream_id = ${p.add(streamId)}`, ...timeRangeConditions(range, span, p, alias)];
  return { p, sql: conds.join(' AND ') };
}

const LOADERS: Partial<Record<GraphTopic, Loader>> = {
  async detections(pool, streamId, range, limit) {
    const w = where(streamId, range, 'point', 'd.');
    const res = await pool.query(
      `SELECT d.pts_us, d.ts, d.class_id, d.class_name, d.confidence, d.bbox, d.track_id, f.width, f.height
       FROM detections d
       LEFT JOIN LATERAL (SELECT width, height FROM frames f WHERE f.stream_id = d.stream_id AND f.pts_us = d.pts_us LIMIT 1) f ON true
       WHERE ${w.sql} AND d.track_id IS NOT NULL ORDER BY d.pts_us, d.det_idx LIMIT ${w.p.add(limit, 'integer')}`, w.p.values);
    const byPts = new Map<number, DetectionsMsg>();
    for (const r of res.rows) {
      if (r.width == null) continue; // no frame row: the anchor cannot be normalised
      const pts = Number(r.pts_us);
      let m = byPts.get(pts);
      if (!m) byPts.set(pts, m = { streamId, ptsUs: pts, ts: ms(r.ts), width: r.width, height: r.height, detections: [], skipped: null });
      m.detections.push({ bbox: (r.bbox as number[]).map(Number) as [number, number, number, number], confidence: r.confidence, classId: r.class_id, className: r.class_name, trackId: r.track_id });
    }
    return { inputs: [...byPts.values()].map((msg) => ({ topic: 'detections', msg })), rows: res.rows.length };
  },
  async transcripts(pool, streamId, range, limit) {
    const w = where(streamId, range, 'segment');
    const res = await pool.query(
      `SELECT pts_us, ts, start_us, end_us, text, confidence, speaker_id, is_silence FROM audio_segments
       WHERE ${w.sql} AND NOT is_silence ORDER BY pts_us, end_us LIMIT ${w.p.add(limit, 'integer')}`, w.p.values);
    return {
      rows: res.rows.length,
      inputs: res.rows.map((r) => ({ topic: 'transcripts', msg: {
        streamId, ptsUs: Number(r.pts_us), ts: ms(r.ts), startUs: Number(r.start_us), endUs: Number(r.end_us), text: r.text, confidence: r.confidence,
        isSilence: r.is_silence, speakerId: r.speaker_id, prosody: null, words: [], model: null, skipped: null,
      } })),
    };
  },
  async events(pool, streamId, range, limit) {
    const w = where(streamId, range, 'segment');
    const res = await pool.query(
      `SELECT pts_us, ts, start_us, end_us, description, tags, clip_worthy_score, model FROM events
       WHERE ${w.sql} ORDER BY pts_us, end_us LIMIT ${w.p.add(limit, 'integer')}`, w.p.values);
    return {
      rows: res.rows.length,
      inputs: res.rows.map((r) => ({ topic: 'events', msg: {
        streamId, ptsUs: Number(r.pts_us), ts: ms(r.ts), startUs: Number(r.start_us), endUs: Number(r.end_us), triggerUs: Number(r.start_us),
        description: r.description, tags: r.tags ?? [], clipWorthyScore: r.clip_worthy_score, emotions: [], model: r.model,
      } })),
    };
  },
  async emotions(pool, streamId, range, limit) {
    const w = where(streamId, range, 'point');
    const res = await pool.query(
      `SELECT pts_us, ts, face_idx, emotion, confidence, scores, bbox, track_id FROM emotions
       WHERE ${w.sql} ORDER BY pts_us, face_idx LIMIT ${w.p.add(limit, 'integer')}`, w.p.values);
    const byPts = new Map<number, EmotionsMsg>();
    for (const r of res.rows) {
      const pts = Number(r.pts_us);
      let m = byPts.get(pts);
      if (!m) byPts.set(pts, m = { streamId, ptsUs: pts, ts: ms(r.ts), width: 0, height: 0, faces: [], skipped: null, model: null });
      m.faces.push({ faceIdx: r.face_idx, trackId: r.track_id, bbox: (r.bbox ?? [0, 0, 0, 0]).map(Number), emotion: r.emotion, confidence: r.confidence, scores: r.scores ?? {} });
    }
    return { inputs: [...byPts.values()].map((msg) => ({ topic: 'emotions', msg })), rows: res.rows.length };
  },
  async highlights(pool, streamId, range, limit) {
    const w = where(streamId, range, 'segment');
    const res = await pool.query(
      `SELECT pts_us, ts, start_us, end_us, score, title, peak_us, contributions FROM highlights
       WHERE ${w.sql} ORDER BY pts_us, end_us LIMIT ${w.p.add(limit, 'integer')}`, w.p.values);
    return {
      rows: res.rows.length,
      inputs: res.rows.map((r) => ({ topic: 'highlights', msg: {
        streamId, ptsUs: Number(r.pts_us), ts: ms(r.ts), startUs: Number(r.start_us), endUs: Number(r.end_us),
        peakUs: r.peak_us == null ? Number(r.start_us) : Number(r.peak_us), score: r.score, contributions: r.contributions ?? {}, title: r.title, rank: 1,
      } })),
    };
  },
};

export async function dryRunRule(pool: Pool, req: DryRunRequest): Promise<DryRunResult> {
  const engine = new RuleEngine(req.streamId, [req.rule]);
  if (req.rule.kind === 'stream_down') {
    return { alerts: [], scanned: {}, truncated: false, note: 'stream_down rules cannot be dry-run: stream states are not stored' };
  }
  const limit = req.maxRows ?? DEFAULT_MAX_ROWS;
  const inputs: TopicInput[] = [];
  const scanned: Partial<Record<GraphTopic, number>> = {};
  let truncated = false;
  for (const topic of engine.topics) {
    const load = LOADERS[topic];
    if (!load) continue;
    const got = await load(pool, req.streamId, { from: req.from, to: req.to }, limit);
    scanned[topic] = got.inputs.length;
    if (got.rows >= limit) truncated = true;
    inputs.push(...got.inputs);
  }
  // Media-time order across topics, as the stage would have received them (stable within a topic).
  inputs.sort((a, b) => a.msg.ptsUs - b.msg.ptsUs);
  const alerts = inputs.flatMap((i) => engine.observe(i));
  return { alerts, scanned, truncated, note: truncated ? `stopped after ${limit} rows of a table: the range was cut` : null };
}
