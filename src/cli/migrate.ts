import fs from 'node:fs';
import type { Command } from 'commander';
import { VideoAgentError } from '../errors';
import { migrate } from '../store/migrate';
import { openStore } from '../store/open-store';
import { isConnectionError } from '../store/pg-errors';
import { secretEnv } from '../config/secret-env';

interface MigrateFlags { databaseUrl?: string; databaseUrlFile?: string; dataDir: string }

/**
 * The URL comes from a file or the environment, never the command line: argv is readable by every user
 * through `ps`/procfs, so a password there leaks. `--database-url` still works, with a warning.
 */
export function databaseUrlFrom(o: MigrateFlags, env: NodeJS.ProcessEnv = process.env, warn: (line: string) => void = (l) => process.stderr.write(l)): string | undefined {
  if (o.databaseUrl !== undefined && o.databaseUrlFile !== undefined) {
    throw new VideoAgentError('E_BAD_ARGS', 'give either --database-url-file or --database-url, not both', { kind: 'config' });
  }
  if (o.databaseUrlFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(o.databaseUrlFile, 'utf8');
    } catch (err) {
      throw new VideoAgentError('E_BAD_ARGS', `cannot read --database-url-file ${o.databaseUrlFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { kind: 'config' });
    }
    const url = text.trim();
    if (!url) throw new VideoAgentError('E_BAD_ARGS', `--database-url-file ${o.databaseUrlFile} is empty`, { kind: 'config' });
    return url;
  }
  if (o.databaseUrl !== undefined) {
    warn('video-agent: warning: --database-url puts the URL (and any password in it) in the process list; use DATABASE_URL or --database-url-file <path> instead\n');
    return o.databaseUrl;
  }
  return secretEnv('DATABASE_URL', env);
}

/** `video-agent migrate [--database-url-file PATH]`: apply pending migrations (also done at every start-up). */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Create or upgrade the database schema (PostgreSQL/TimescaleDB from $DATABASE_URL, else the embedded database in ./data)')
    .option('--database-url-file <path>', 'read the PostgreSQL URL from this file (default: $DATABASE_URL, else the embedded database)')
    .option('--database-url <url>', 'deprecated: visible to other users in `ps`; use $DATABASE_URL or --database-url-file')
    .option('--data-dir <dir>', 'data folder for the embedded database', 'data')
    .action(async (o: MigrateFlags) => {
      const databaseUrl = databaseUrlFrom(o);
      const store = await openStore({ databaseUrl, dataDir: o.dataDir, migrate: false });
      try {
        // Migrate directly (not through the start-up retry loop): an unreachable database is an error here.
        const r = await migrate(store.pool);
        const applied = r.applied.length ? r.applied.join(', ') : 'none (up to date)';
        process.stdout.write(`database: ${store.kind}${r.timescale ? ' + TimescaleDB' : ''}\nmigrations applied: ${applied}\n`);
      } catch (err) {
        if (isConnectionError(err)) {
          throw new VideoAgentError('E_DB_UNREACHABLE', `cannot reach the database: ${(err as Error).message}`);
        }
        throw err;
      } finally {
        await store.close();
      }
    });
}
