import type { Command } from 'commander';

// Placeholder: the owning issue replaces this registration with the real command.
export function registerIngest(program: Command): void {
  program.command('ingest').description('(not built yet)').action(() => {
    throw new Error('video-agent ingest is not implemented yet');
  });
}
