import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSrt, parseVtt } from '../../src/results';
import type { DetectionRow } from '../../src/store/rows';
import { isoMicros, wallClockMs } from '../../src/store/time';
import { freePort } from '../helpers/private-postgres';
import { BASE_MS, pgliteStore, postgresStore, seed, urlWithSchema, type OpenedStore, type ResultRows } from './fixtures';

const CHILD = path.join(__dirname, 'children', 'export-cli.ts');
const SECRET = 's3cr3t-pw';

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs `video-agent export …` in a child process with DATABASE_URL as given (unset when undefined). */
function exportCli(args: string[], databaseUrl: string | undefined, cwd = process.cwd()): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  if (databaseUrl === undefined) delete env.DATABASE_URL; else env.DATABASE_URL = databaseUrl;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CHILD, 'export', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same URL with a password: the server (trust auth) ignores it, and it must never be printed. */
const withPassword = (url: string) => { const u = new URL(url); u.password = SECRET; return u.toString(); };

/** RFC 4180 records; fields here hold no line breaks, so a simple split on CRLF does. */
function csvRecords(text: string): string[][] {
  assert.ok(text.endsWith('\r\n'));
  return text.slice(0, -2).split('\r\n').map((line) => {
    const out: string[] = [];
    const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) && m[0] !== '') {
      out.push(m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]);
      if (m[2] === '') break;
    }
    return out;
  });
}

describe('video-agent export on PostgreSQL', function () {
  this.timeout(120_000);
  let db: OpenedStore;
  let rows: ResultRows;
  let url: string;
  const many: DetectionRow[] = Array.from({ length: 2100 }, (_, i) => ({
    streamId: 'cam-big', ptsUs: Math.floor(i / 3) * 40_000, ts: wallClockMs(BASE_MS, Math.floor(i / 3) * 40_000), detIdx: i % 3,
    classId: i % 3, className: ['person', 'car', 'dog'][i % 3], confidence: 0.5, bbox: [i, 0, i + 1, 1], trackId: i % 3,
  }));
  before(async () => {
    db = await postgresStore();
    rows = await seed(db.store, 'cam-a');
    await seed(db.store, 'cam-big', { detections: many, audio: [], events: [], memory: [] });
    url = withPassword(urlWithSchema(db.url!, db.schema!));
  });
  after(async () => { await db?.close(); });

  it('detections as JSON: every row across export pages (more than one page of 1000), in order', async () => {
    const r = await exportCli(['cam-big', '--what', 'detections', '--format', 'json'], url);
    assert.equal(r.code, 0, r.stderr);
    const items = JSON.parse(r.stdout) as { ptsUs: number; bbox: number[] }[];
    assert.equal(items.length, many.length);
    assert.deepEqual(items.map((d) => d.bbox[0]), many.map((d) => d.bbox[0]));
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
  });

  it('transcript as SRT and VTT (parsed back), with --from/--to in seconds and ISO', async () => {
    const speech = rows.audio.filter((a) => !a.isSilence && a.text.trim() !== '');
    const srt = await exportCli(['cam-a', '--what', 'transcript', '--format', 'srt'], url);
    assert.equal(srt.code, 0, srt.stderr);
    const cues = parseSrt(srt.stdout);
    assert.deepEqual(cues.map((c) => [c.startS, c.endS]), speech.map((a) => [a.startUs / 1e6, a.endUs / 1e6]));
    assert.deepEqual(cues.map((c) => c.text.split('\n')[0]), speech.map((a) => a.text.split('\n')[0].trim()));
    const vtt = await exportCli(['cam-a', '--what', 'transcript', '--format', 'vtt', '--from', '2.5', '--to', isoMicros(BASE_MS + 4500)], url);
    assert.equal(vtt.code, 0, vtt.stderr);
    const want = speech.filter((a) => a.endUs >= 2_500_000 && a.startUs <= 4_500_000);
    assert.deepEqual(parseVtt(vtt.stdout).map((c) => [c.startS, c.speaker]), want.map((a) => [a.startUs / 1e6, a.speakerId ?? null]));
  });

  it('events as CSV to --out: a header and one record per event, tags as one field; stdout stays empty', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-out-'));
    try {
      const out = path.join(dir, 'events.csv');
      const r = await exportCli(['cam-a', '--what', 'events', '--format', 'csv', '--tag', 'bike, red', '--out', out], url);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      const want = rows.events.filter((e) => e.tags?.includes('bike, red'));
      assert.match(r.stderr, new RegExp(`exported ${want.length} events rows of cam-a`));
      const [header, ...records] = csvRecords(fs.readFileSync(out, 'utf8'));
      assert.deepEqual(records.map((rec) => JSON.parse(rec[header.indexOf('tags')])), want.map((e) => e.tags));
      assert.deepEqual(fs.readdirSync(dir), ['events.csv'], 'no temp file left');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('clear errors, exit 1: unknown stream (naming it and the known ones), srt for detections, a bad --from', async () => {
    const unknown = await exportCli(['nope', '--what', 'events', '--format', 'json'], url);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^video-agent: unknown stream "nope"; streams here: cam-a, cam-big\n$/);
    assert.equal(unknown.stdout, '');
    const srt = await exportCli(['cam-a', '--what', 'detections', '--format', 'srt'], url);
    assert.equal(srt.code, 1);
    assert.match(srt.stderr, /--format srt is for --what transcript only/);
    const from = await exportCli(['cam-a', '--what', 'events', '--from', 'yesterday'], url);
    assert.equal(from.code, 1);
    assert.match(from.stderr, /--from: expected media seconds/);
    const what = await exportCli(['cam-a', '--what', 'faces'], url);
    assert.equal(what.code, 1);
    assert.match(what.stderr, /--what: /);
  });

  it('an unreachable database is one line without the password', async () => {
    const r = await exportCli(['cam-a', '--what', 'events'], `postgres://postgres:${SECRET}@127.0.0.1:${await freePort()}/test`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^video-agent: cannot reach the database: .*\n$/);
    assert.ok(!r.stderr.includes(SECRET), r.stderr);
  });
});

describe('video-agent export on the embedded database (PGlite)', function () {
  this.timeout(120_000);
  let db: OpenedStore;
  let rows: ResultRows;
  before(async () => {
    db = await pgliteStore();
    rows = await seed(db.store, 'cam-a');
  });
  after(async () => { await db?.close(); });

  it('while another process has it open: a clear E_DB_LOCKED message saying why and what to do', async () => {
    const r = await exportCli(['cam-a', '--what', 'transcript', '--format', 'srt', '--data-dir', db.dataDir], undefined);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`in use by process ${process.pid}`));
    assert.match(r.stderr, /one process at a time.*stop that process.*HTTP API.*DATABASE_URL/);
    assert.equal(r.stdout, '');
  });

  it('once it is free: exports from --data-dir; a folder without a database is a clear error', async () => {
    await db.store.close();
    const r = await exportCli(['cam-a', '--what', 'transcript', '--format', 'vtt', '--data-dir', db.dataDir], undefined);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseVtt(r.stdout).length, rows.audio.filter((a) => !a.isSilence && a.text.trim() !== '').length);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'export-empty-'));
    try {
      const none = await exportCli(['cam-a', '--what', 'events'], undefined, empty);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no embedded database in .*export-empty-.*\/data/);
      assert.ok(!fs.existsSync(path.join(empty, 'data')), 'nothing created');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
