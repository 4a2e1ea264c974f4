import type { Command } from 'commander';

// Placeholder: the owning issue replaces this registration with the real command.
export function registerEndpoints(program: Command): void {
  program.command('endpoints').description('(not built yet)').action(() => {
    throw new Error('video-agent endpoints is not implemented yet');
  });
}
