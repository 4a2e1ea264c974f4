import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { VideoAgentError } from '../errors';

/**
 * The zero-config database: PGlite with its data in <dataDir>/pglite, served by pglite-socket on a unix
 * socket in a directory only this user can enter (<dataDir>/run, mode 0700), so the rest of the code uses
 * the same `pg` Pool as with a real server. pglite-socket has no authentication at all (any password is
 * accepted), so a TCP port on 127.0.0.1 would be open to every local user and process: the directory's
 * permissions are the access control. PGlite runs one query at a time on one connection: use pool max 1.
 * A pid lock file keeps a second process from opening the same data directory (PGlite is single-process).
 */
export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Data dirs this process has open (the pid file cannot tell two opens by one process apart). */
const openHere = new Set<string>();

function takeLock(lockFile: string): void {
  if (openHere.has(lockFile)) {
    throw new VideoAgentError('E_DB_LOCKED', `the embedded database in ${path.dirname(lockFile)} is already open in this process`);
  }
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const holder = Number(fs.readFileSync(lockFile, 'utf8').trim());
  if (holder && holder !== process.pid && pidAlive(holder)) {
    throw new VideoAgentError('E_DB_LOCKED', `the embedded database in ${path.dirname(lockFile)} is in use by process ${holder}; stop it or set DATABASE_URL`);
  }
  fs.writeFileSync(lockFile, String(process.pid)); // stale lock from a dead process
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = path.resolve(dataDir, 'pglite');
  fs.mkdirSync(dir, { recursive: true });
  const lockFile = path.join(path.resolve(dataDir), 'pglite.lock');
  takeLock(lockFile);
  openHere.add(lockFile);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dir);
    const sockDir = socketDir(path.resolve(dataDir));
    const sock = path.join(sockDir, '.s.PGSQL.5432');
    fs.rmSync(sock, { force: true }); // left by a process that died
    const server = new PGLiteSocketServer({ db, path: sock });
    await server.start();
    const url = `postgres://postgres@/postgres?host=${encodeURIComponent(sockDir)}`;
    return {
      url,
      dataDir: dir,
      async stop() {
        await server.stop();
        await db!.close();
        fs.rmSync(sock, { force: true });
        fs.rmSync(lockFile, { force: true });
        openHere.delete(lockFile);
      },
    };
  } catch (err) {
    await db?.close().catch(() => undefined);
    fs.rmSync(lockFile, { force: true });
    openHere.delete(lockFile);
    throw new VideoAgentError('E_EMBEDDED_DB', `could not start the embedded database in ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** <dataDir>/run, created (or tightened) to 0700; a short private temp dir when that path is too long for a socket. */
function socketDir(dataDir: string): string {
  let dir = path.join(dataDir, 'run');
  // sun_path holds 107 bytes on Linux.
  if (Buffer.byteLength(path.join(dir, '.s.PGSQL.5432')) > 100) dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-db-'));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}
