import type { Command } from 'commander';
import { VideoAgentError } from '../errors';
import { migrate } from '../store/migrate';
import { openStore } from '../store/open-store';
import { isConnectionError } from '../store/pg-errors';

/** `video-agent migrate [--database-url URL]`: apply pending migrations (also done at every start-up). */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Create or upgrade the database schema (PostgreSQL/TimescaleDB, or the embedded database in ./data)')
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL, else the embedded database)')
    .option('--data-dir <dir>', 'data folder for the embedded database', 'data')
    .action(async (o: { databaseUrl?: string; dataDir: string }) => {
      const store = await openStore({ databaseUrl: o.databaseUrl, dataDir: o.dataDir, migrate: false });
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
