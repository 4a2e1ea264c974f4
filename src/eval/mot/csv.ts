/**
 * MOTChallenge 2D CSV: `frame,id,x,y,w,h,conf,x3d,y3d,z3d` (1-based frames, top-left xywh in pixels).
 * Blank lines are ignored; anything else malformed is a user error naming the file and line.
 */
import fs from 'node:fs';
import { VideoAgentError } from '../../errors';

export interface MotRow {
  frame: number;
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  conf: number;
}

export function parseMotCsv(text: string, source = 'input'): MotRow[] {
  const rows: MotRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const f = line.split(/\s*,\s*|\s+/).map(Number);
    if (f.length < 6 || f.slice(0, 6).some((v) => !Number.isFinite(v))) {
      throw new VideoAgentError('E_BAD_MOT_CSV', `${source}:${i + 1}: expected frame,id,x,y,w,h[,conf,...] numbers, got "${line.slice(0, 80)}"`);
    }
    rows.push({ frame: f[0], id: f[1], x: f[2], y: f[3], w: f[4], h: f[5], conf: f.length > 6 && Number.isFinite(f[6]) ? f[6] : 1 });
  }
  return rows;
}

export function readMotCsv(file: string): MotRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new VideoAgentError('E_FILE_NOT_FOUND', `cannot read MOT file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseMotCsv(text, file);
}

/** Integers as such; otherwise fixed decimals with trailing zeros trimmed. */
function fmt(v: number, decimals = 3): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(decimals)));
}

/** Writes rows in the MOTChallenge result format (`frame,id,x,y,w,h,conf,-1,-1,-1`). */
export function formatMotCsv(rows: readonly MotRow[]): string {
  return rows.map((r) => `${r.frame},${r.id},${fmt(r.x)},${fmt(r.y)},${fmt(r.w)},${fmt(r.h)},${fmt(r.conf, 5)},-1,-1,-1\n`).join('');
}

/** Groups rows by frame number. */
export function byFrame(rows: readonly MotRow[]): Map<number, MotRow[]> {
  const m = new Map<number, MotRow[]>();
  for (const r of rows) {
    let list = m.get(r.frame);
    if (!list) m.set(r.frame, (list = []));
    list.push(r);
  }
  return m;
}
