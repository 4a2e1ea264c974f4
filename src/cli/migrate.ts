import type { Command } from 'commander';

// Placeholder: the owning issue replaces this registration with the real command.
export function registerMigrate(program: Command): void {
  program.command('migrate').description('(not built yet)').action(() => {
    throw new Error('video-agent migrate is not implemented yet');
  });
}
