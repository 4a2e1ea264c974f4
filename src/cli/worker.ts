import type { Command } from 'commander';

// Placeholder: the owning issue replaces this registration with the real command.
export function registerWorker(program: Command): void {
  program.command('worker').description('(not built yet)').action(() => {
    throw new Error('video-agent worker is not implemented yet');
  });
}
