import type { Command } from 'commander';

// Placeholder: the owning issue replaces this registration with the real command.
export function registerAnalyze(program: Command): void {
  program.command('analyze').description('(not built yet)').action(() => {
    throw new Error('video-agent analyze is not implemented yet');
  });
}
