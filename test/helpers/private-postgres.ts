import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's server binaries (initdb and pg_ctl are not on PATH there). */
export const PG_BIN = process.env.PG_BIN ?? (() => {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.length ? path.join(root, versions[0], 'bin') : '';
})();

export interface PrivatePostgresOptions {
  /** pg_hba methods written by initdb (default trust for both). */
  authLocal?: string;
  authHost?: string;
  /** Superuser password (needed with scram-sha-256 host auth). */
  password?: string;
  /** Extra postgresql.conf lines. */
  conf?: string[];
}

/**
 * A throw-away PostgreSQL cluster (initdb in a temp dir, its own port on 127.0.0.1, its own socket dir),
 * for tests that stop, restart or reconfigure a server: never the shared one on 5432. Superuser
 * `postgres`, database `postgres`. As root the server runs as the `postgres` system user (initdb refuses root).
 */
export class PrivatePostgres {
  private running = false;
  private constructor(readonly dir: string, readonly port: number, readonly password: string | undefined, private readonly asUser: string | null) {}

  get dataDir(): string { return path.join(this.dir, 'data'); }
  get socketDir(): string { return path.join(this.dir, 'sock'); }
  /** A URL for the superuser over TCP (with the password when one was set). */
  url(database = 'postgres'): string {
    const auth = this.password ? `postgres:${encodeURIComponent(this.password)}` : 'postgres';
    return `postgres://${auth}@127.0.0.1:${this.port}/${database}`;
  }

  static async create(opts: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
    if (!PG_BIN || !fs.existsSync(path.join(PG_BIN, 'initdb'))) {
      throw new Error('PostgreSQL server binaries not found (set PG_BIN, or install them: apt-get install postgresql)');
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'private-pg-'));
    const asUser = process.getuid?.() === 0 ? 'postgres' : null;
    const pg = new PrivatePostgres(dir, await freePort(), opts.password, asUser);
    fs.mkdirSync(pg.socketDir);
    if (asUser) await run('chown', ['-R', asUser, dir]);
    const args = ['-D', pg.dataDir, '-U', 'postgres', '--no-sync', `--auth-local=${opts.authLocal ?? 'trust'}`, `--auth-host=${opts.authHost ?? 'trust'}`];
    if (opts.password) {
      const pwFile = path.join(dir, 'pw');
      fs.writeFileSync(pwFile, opts.password, { mode: 0o600 });
      if (asUser) await run('chown', [asUser, pwFile]);
      args.push(`--pwfile=${pwFile}`);
    }
    await pg.exec('initdb', args);
    const conf = [`port = ${pg.port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${pg.socketDir}'`, 'fsync = off', 'shared_buffers = 16MB', 'max_connections = 30', ...(opts.conf ?? [])];
    fs.appendFileSync(path.join(pg.dataDir, 'postgresql.conf'), conf.join('\n') + '\n');
    await pg.start();
    return pg;
  }

  /** Runs a server binary (as the postgres user when we are root). */
  async exec(bin: string, args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
    const file = path.join(PG_BIN, bin);
    const full = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...env };
    if (this.asUser) return run('runuser', ['-u', this.asUser, '--', 'env', ...Object.entries(full).map(([k, v]) => `${k}=${v}`), file, ...args], { cwd: this.dir });
    return run(file, args, { cwd: this.dir, env: full });
  }

  async start(): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '30', 'start']);
    this.running = true;
  }

  /** pg_ctl stop -m fast: open connections are terminated, as when a database server is restarted. */
  async stop(): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    this.running = false;
  }

  async reload(): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, 'reload']);
  }

  /** Stops the server (if running) and deletes the cluster. */
  async destroy(): Promise<void> {
    if (this.running) await this.stop().catch(() => this.exec('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']).catch(() => undefined));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
