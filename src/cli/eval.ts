import type { Command } from 'commander';

// Placeholder: the owning issue replaces this registration with the real command.
export function registerEval(program: Command): void {
  program.command('eval').description('(not built yet)').action(() => {
    throw new Error('video-agent eval is not implemented yet');
  });
}
