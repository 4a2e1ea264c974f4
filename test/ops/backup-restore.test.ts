/**
 * scripts/backup.sh and scripts/restore.sh against a private PostgreSQL (password auth, so the tests can
 * see that the password never shows): a real short analysis fills it, the backup is taken, the database is
 * dropped and recreated and the files deleted, the restore puts everything back, and the tables (counts and
 * a sample of rows), a clip and a recording segment must be identical. Plus the object-store helper on S3.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { PrivatePostgres } from '../helpers/private-postgres';
import { startLocalS3 } from '../helpers/local-s3';
import { astronautWithSpeech } from '../e2e/media';
import { S3ObjectStore } from '../../src/object-store';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'test', 'ingest', 'helpers', 'cli-entry.ts');
const PASSWORD = 'b4ckup-pw:with/odd@chars';

interface Ran { code: number | null; stdout: string; stderr: string }

/** A child with a clean environment plus `env`, killed after timeoutMs. */
function spawnRun(file: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<Ran> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', LOG_LEVEL: 'silent' };
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out after ${timeoutMs} ms: ${path.basename(file)} ${args.join(' ')}\n${stderr}`)); }, timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

const TABLES_SAMPLED = ['streams', 'frames', 'detections', 'audio_segments', 'events', 'highlights', 'clips', 'endpoint_calls'];

/** Exact row counts of every public table, and the first and last 20 rows (as JSON text, in a total order) of the main ones. */
async function snapshot(url: string): Promise<{ counts: Record<string, number>; samples: Record<string, string[]> }> {
  const tables = await query<{ t: string }>(url, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1");
  const counts: Record<string, number> = {};
  for (const { t } of tables) counts[t] = Number((await query<{ n: string }>(url, `SELECT count(*) AS n FROM "${t}"`))[0]!.n);
  const samples: Record<string, string[]> = {};
  for (const t of TABLES_SAMPLED) {
    const first = await query<{ j: string }>(url, `SELECT to_jsonb(x)::text AS j FROM "${t}" x ORDER BY 1 LIMIT 20`);
    const last = await query<{ j: string }>(url, `SELECT to_jsonb(x)::text AS j FROM "${t}" x ORDER BY 1 DESC LIMIT 20`);
    samples[t] = [...first, ...last].map((r) => r.j);
  }
  return { counts, samples };
}

describe('ops: scripts/backup.sh and scripts/restore.sh', function () {
  this.timeout(420_000);
  let pg: PrivatePostgres | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-backup-'));
  const dataDir = path.join(dir, 'data');
  const backups = path.join(dir, 'backups');
  const urlFile = path.join(dir, 'database-url');
  let dbUrl = '';
  let streamId = '';

  before(async () => {
    pg = await PrivatePostgres.create({ authHost: 'scram-sha-256', password: PASSWORD });
    await query(pg.url(), 'CREATE DATABASE va');
    dbUrl = pg.url('va');
    fs.writeFileSync(urlFile, `${dbUrl}\n`, { mode: 0o600 });
  });
  after(async () => {
    await pg?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--help of both scripts, and clear refusals without a database, without --yes, with a damaged backup', async () => {
    for (const s of ['backup.sh', 'restore.sh']) {
      const h = await spawnRun('bash', [path.join('scripts', s), '--help'], {}, 10_000);
      assert.equal(h.code, 0, h.stderr);
      assert.match(h.stdout, new RegExp(`^usage: scripts/${s.replace('.', '\\.')} `));
    }
    const none = await spawnRun('bash', ['scripts/backup.sh', '--dest', backups], {}, 10_000);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /backup\.sh: no database: set DATABASE_URL or DATABASE_URL_FILE/);
    const both = await spawnRun('bash', ['scripts/backup.sh', '--dest', backups], { DATABASE_URL: dbUrl, DATABASE_URL_FILE: urlFile }, 10_000);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /both DATABASE_URL and DATABASE_URL_FILE are set/);
    assert.ok(!both.stderr.includes(PASSWORD));
    const fake = path.join(dir, 'not-a-backup');
    fs.mkdirSync(fake);
    const notBackup = await spawnRun('bash', ['scripts/restore.sh', fake, '--yes'], { DATABASE_URL_FILE: urlFile }, 10_000);
    assert.equal(notBackup.code, 1);
    assert.match(notBackup.stderr, /is not a backup folder/);
  });

  it('backs up a real analysis, restores it into a recreated database, and every table, clip and segment is identical', async () => {
    // A real short analysis (6 s: a face, a spoken sentence) into the private database, with one clip.
    const clipSource = astronautWithSpeech();
    const a = await spawnRun(process.execPath, ['--import', 'tsx', CLI, 'analyze', clipSource, '--fps', '2', '--data-dir', dataDir, '--no-progress', '--no-report', '--clips', '1'], { DATABASE_URL: dbUrl }, 300_000);
    assert.equal(a.code, 0, a.stderr);
    streamId = /^stream (\S+) /m.exec(a.stdout)?.[1] ?? '';
    assert.ok(streamId, a.stdout);
    // Recordings exist only for RTSP sources: a segment, its index line, and a half-written segment that must not be backed up.
    const recDir = path.join(dataDir, 'recordings', streamId);
    fs.mkdirSync(path.join(recDir, '.writing'), { recursive: true });
    fs.copyFileSync(clipSource, path.join(recDir, '0000000001.mp4'));
    fs.writeFileSync(path.join(recDir, 'index.jsonl'), `${JSON.stringify({ seq: 1, file: '0000000001.mp4', startUs: 0, durationUs: 6_000_000 })}\n`);
    fs.writeFileSync(path.join(recDir, '.writing', '0000000002.mp4'), 'partial');

    const before = await snapshot(dbUrl);
    for (const t of ['frames', 'detections', 'audio_segments', 'events', 'highlights', 'clips']) assert.ok(before.counts[t]! > 0, `${t} has rows: ${JSON.stringify(before.counts)}`);
    const clipRows = await query<{ video_uri: string }>(dbUrl, 'SELECT * FROM clips');
    const clipFile = Object.values(clipRows[0]!).map(String).find((v) => v.startsWith('file://') && v.endsWith('.mp4'));
    assert.ok(clipFile, `a clip row with a file:// MP4: ${JSON.stringify(clipRows[0])}`);
    const clipPath = new URL(clipFile).pathname;
    const segPath = path.join(recDir, '0000000001.mp4');
    const hashes = { clip: sha256(clipPath), segment: sha256(segPath) };

    // Backup, with the URL in a Docker-secret style file.
    const t0 = Date.now();
    const b = await spawnRun('bash', ['scripts/backup.sh', '--dest', backups, '--data-dir', dataDir], { DATABASE_URL_FILE: urlFile }, 120_000);
    const backupMs = Date.now() - t0;
    assert.equal(b.code, 0, b.stderr);
    assert.ok(!(b.stdout + b.stderr).includes(PASSWORD) && !(b.stdout + b.stderr).includes(encodeURIComponent(PASSWORD)), 'the password is never printed');
    const out = /^backup: (\/\S+)$/m.exec(b.stdout)?.[1];
    assert.ok(out && /\/video-agent-\d{8}T\d{6}Z$/.test(out), b.stdout);
    assert.match(b.stdout, new RegExp(`database {4}postgres://postgres@127\\.0\\.0\\.1:${pg!.port}/va \\(PostgreSQL`));
    assert.match(b.stdout, /-> database\.dump [\d.]+\w*B, \d+ tables, \d+ rows/);
    assert.match(b.stdout, /recordings .* 2 files/); // the segment and index.jsonl, not .writing/
    assert.match(b.stdout, /objects {5}\S+ -> objects\/ [1-9]\d* objects/);
    const tsv = fs.readFileSync(path.join(out, 'tables.tsv'), 'utf8');
    assert.match(tsv, new RegExp(`^public\\.detections\\t${before.counts.detections}$`, 'm'));
    assert.ok(!fs.existsSync(path.join(out, 'recordings', streamId, '.writing')), '.writing/ is not backed up');
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.database.tables['public.frames'], before.counts.frames);
    assert.ok(!JSON.stringify(manifest).includes(PASSWORD));

    // Disaster: the database and the files are gone.
    await query(pg!.url(), 'DROP DATABASE va WITH (FORCE)');
    await query(pg!.url(), 'CREATE DATABASE va');
    fs.rmSync(path.join(dataDir, 'recordings'), { recursive: true });
    fs.rmSync(path.join(dataDir, 'clips'), { recursive: true });

    const t1 = Date.now();
    const r = await spawnRun('bash', ['scripts/restore.sh', out, '--yes', '--data-dir', dataDir], { DATABASE_URL: dbUrl }, 120_000);
    const restoreMs = Date.now() - t1;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!(r.stdout + r.stderr).includes(PASSWORD));
    assert.match(r.stdout, /every count equal to tables\.tsv/);
    assert.match(r.stdout, /^restored: /m);

    const after = await snapshot(dbUrl);
    assert.deepEqual(after.counts, before.counts);
    for (const t of TABLES_SAMPLED) assert.deepEqual(after.samples[t], before.samples[t], `rows of ${t}`);
    assert.equal(sha256(clipPath), hashes.clip, 'the clip the clips row points at is back, byte-identical');
    assert.equal(sha256(segPath), hashes.segment, 'the recording segment is back, byte-identical');
    // The restored schema is current: migrate finds nothing to do.
    const m = await spawnRun(process.execPath, ['--import', 'tsx', CLI, 'migrate'], { DATABASE_URL: dbUrl }, 60_000);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /migrations applied: none \(up to date\)/);
    console.log(`      backup ${backupMs} ms, restore ${restoreMs} ms; ${Object.values(before.counts).reduce((s, n) => s + n, 0)} rows, ${fs.statSync(path.join(out, 'database.dump')).size} B dump`);

    // Over a live database: --clean replaces what is there (a row added since is gone again).
    await query(dbUrl, "INSERT INTO streams (stream_id, source, started_at) VALUES ('added-later', '/x.mp4', now())");
    const again = await spawnRun('bash', ['scripts/restore.sh', out, '--yes', '--no-recordings', '--no-objects'], { DATABASE_URL_FILE: urlFile }, 120_000);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await snapshot(dbUrl)).counts, before.counts);

    // A damaged backup is refused before anything is touched.
    fs.appendFileSync(path.join(out, 'tables.tsv'), 'x');
    const damaged = await spawnRun('bash', ['scripts/restore.sh', out, '--yes', '--data-dir', dataDir], { DATABASE_URL: dbUrl }, 30_000);
    assert.equal(damaged.code, 1);
    assert.match(damaged.stderr, /checksum mismatch .*nothing was restored/);
    const noYes = await spawnRun('bash', ['scripts/restore.sh', out], { DATABASE_URL: dbUrl }, 10_000);
    assert.equal(noYes.code, 1);
    assert.match(noYes.stderr, /pass --yes/);
  });

  it('counts and dump come from one snapshot: a backup taken under concurrent writes restores with equal counts', async () => {
    await query(dbUrl, 'CREATE TABLE IF NOT EXISTS busy (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
    const writer = new Client({ connectionString: dbUrl });
    writer.on('error', () => undefined); // DROP DATABASE … WITH (FORCE) below ends it if it is still open
    await writer.connect();
    let writing = true;
    let written = 0;
    const loop = (async () => {
      while (writing) {
        await writer.query('INSERT INTO busy DEFAULT VALUES');
        written++;
      }
    })();
    try {
      while (written < 50) await new Promise((r) => setTimeout(r, 10));
      const b = await spawnRun('bash', ['scripts/backup.sh', '--dest', path.join(dir, 'busy'), '--no-recordings', '--no-objects'], { DATABASE_URL: dbUrl }, 120_000);
      assert.equal(b.code, 0, b.stderr);
      const out = /^backup: (\/\S+)$/m.exec(b.stdout)![1]!;
      const inBackup = Number(/^public\.busy\t(\d+)$/m.exec(fs.readFileSync(path.join(out, 'tables.tsv'), 'utf8'))![1]);
      writing = false;
      await loop;
      await writer.end();
      assert.ok(inBackup >= 50 && inBackup < written, `busy rows in the backup: ${inBackup}, written in all: ${written}`);
      await query(pg!.url(), 'DROP DATABASE va WITH (FORCE)');
      await query(pg!.url(), 'CREATE DATABASE va');
      // restore.sh exits 1 when any table's count differs from tables.tsv.
      const r = await spawnRun('bash', ['scripts/restore.sh', out, '--yes', '--no-recordings', '--no-objects'], { DATABASE_URL: dbUrl }, 120_000);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(Number((await query<{ n: string }>(dbUrl, 'SELECT count(*) AS n FROM busy'))[0]!.n), inBackup);
    } finally {
      writing = false;
      await loop.catch(() => undefined);
      await writer.end().catch(() => undefined);
    }
  });

  it('backup-objects.js copies an S3 bucket out and back, sha256-checked', async () => {
    const s3 = await startLocalS3('va-clips');
    try {
      const env = { S3_BUCKET: 'va-clips', S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
      const store = new S3ObjectStore({ bucket: 'va-clips', endpoint: s3.endpoint, forcePathStyle: true });
      const bodies = new Map([['cam-1/clip-a.mp4', crypto.randomBytes(70_000)], ['cam-1/clip-a.jpg', crypto.randomBytes(3_000)], ['cam-2/x/clip-b.mp4', crypto.randomBytes(10)]]);
      for (const [k, v] of bodies) await store.put(k, v);
      const bk = path.join(dir, 's3-backup');
      const e = await spawnRun(process.execPath, ['scripts/backup-objects.js', 'export', bk], env, 60_000);
      assert.equal(e.code, 0, e.stderr);
      assert.deepEqual(JSON.parse(e.stdout.trim().split('\n').pop()!), { objects: 3, bytes: 73_010, store: `s3://va-clips at ${new URL(s3.endpoint).host}` });
      assert.ok(!e.stdout.includes('S3RVER'), 'credentials are not printed');
      for (const k of bodies.keys()) await store.delete(k);
      assert.equal((await store.list('')).length, 0);
      const i = await spawnRun(process.execPath, ['scripts/backup-objects.js', 'import', bk], env, 60_000);
      assert.equal(i.code, 0, i.stderr);
      for (const [k, v] of bodies) assert.ok((await store.get(k)).equals(v), k);
      store.close();
    } finally {
      await s3.close();
    }
  });
});
