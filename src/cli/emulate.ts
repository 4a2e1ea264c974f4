import type { Command } from 'commander';

// Placeholder: the owning issue replaces this registration with the real command.
export function registerEmulate(program: Command): void {
  program.command('emulate').description('(not built yet)').action(() => {
    throw new Error('video-agent emulate is not implemented yet');
  });
}
